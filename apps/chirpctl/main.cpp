// chirpctl --data-dir DIR COMMAND: administration of a chirp data folder.
#include <cstdio>
#include <cstring>
#include <string>

#include "commands.h"

namespace {

void usage(FILE* out) {
  std::fputs(
      "usage: chirpctl [--data-dir DIR] COMMAND [ARGS]\n"
      "\n"
      "commands:\n"
      "  import FILE.jsonl [--password PW]  import {\"user\",\"text\",\"ts\"} records; missing users\n"
      "                                     are created (log in only with --password)\n"
      "  export FILE.jsonl                  write every tweet as an import record, oldest first\n"
      "  stats                              key: value lines (users, tweets, change_seq, ...)\n"
      "  backup DIR                         consistent online copy into an empty folder\n"
      "  restore DIR                        restore a backup into an empty data folder\n"
      "  compact                            copy-compact the data (server stopped)\n"
      "  reindex                            rebuild the search index from the change log\n"
      "\n"
      "options:\n"
      "  --data-dir DIR   data folder (default ./data, or $CHIRP_DATA_DIR)\n",
      out);
}

}  // namespace

int main(int argc, char** argv) {
  chirp::ctl::Args args;
  if (const char* env = std::getenv("CHIRP_DATA_DIR"); env && *env) args.data_dir = env;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* name) -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "chirpctl: %s needs a value\n", name);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      usage(stdout);
      return 0;
    } else if (a == "--data-dir") {
      args.data_dir = value("--data-dir");
    } else if (a.rfind("--data-dir=", 0) == 0) {
      args.data_dir = a.substr(11);
    } else if (a == "--password") {
      args.password = value("--password");
      args.has_password = true;
    } else if (a.rfind("--", 0) == 0) {
      std::fprintf(stderr, "chirpctl: unknown option %s\n", a.c_str());
      usage(stderr);
      return 2;
    } else if (args.command.empty()) {
      args.command = a;
    } else {
      args.positional.push_back(a);
    }
  }
  using namespace chirp::ctl;
  const std::string& c = args.command;
  auto need = [&](size_t n) {
    if (args.positional.size() == n) return true;
    std::fprintf(stderr, "chirpctl %s: expected %zu argument(s)\n", c.c_str(), n);
    return false;
  };
  if (c == "import") return need(1) ? run_import(args) : 2;
  if (c == "export") return need(1) ? run_export(args) : 2;
  if (c == "stats") return need(0) ? run_stats(args) : 2;
  if (c == "backup") return need(1) ? run_backup(args) : 2;
  if (c == "restore") return need(1) ? run_restore(args) : 2;
  if (c == "compact") return need(0) ? run_compact(args) : 2;
  if (c == "reindex") return need(0) ? run_reindex(args) : 2;
  if (c.empty()) {
    usage(stderr);
  } else {
    std::fprintf(stderr, "chirpctl: unknown command '%s'\n", c.c_str());
    usage(stderr);
  }
  return 2;
}
