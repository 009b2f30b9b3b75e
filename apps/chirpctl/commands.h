// chirpctl's commands; each returns the process exit code.
#pragma once

#include <string>
#include <vector>

namespace chirp::ctl {

struct Args {
  std::string data_dir = "./data";
  std::string command;
  std::vector<std::string> positional;
  std::string password;  // import --password
  bool has_password = false;
};

int run_import(const Args& args);
int run_export(const Args& args);
int run_stats(const Args& args);
int run_backup(const Args& args);
int run_restore(const Args& args);
int run_compact(const Args& args);
int run_reindex(const Args& args);

}  // namespace chirp::ctl
