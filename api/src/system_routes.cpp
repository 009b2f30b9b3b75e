// The system table: liveness, readiness, metrics, the OpenAPI document and
// the Swagger UI page.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "chirp/api/errors.h"
#include "chirp/api/server.h"

namespace chirp::api {

namespace {

// The Swagger page loads Swagger UI from static/vendor/swagger-ui/ (installed
// by api/install_swagger_ui.sh) and starts it from a separate script, because
// the Content-Security-Policy forbids inline scripts.
constexpr std::string_view kDocsHtml = R"(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>chirp API</title>
<link rel="stylesheet" href="/vendor/swagger-ui/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/vendor/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/docs/swagger-init.js"></script>
</body>
</html>
)";

constexpr std::string_view kDocsInitJs = R"(// Points Swagger UI at the server's own OpenAPI document.
window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '/api/v1/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    persistAuthorization: true
  });
});
)";

std::string health_body() {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  w.Key("status");
  w.String("ok");
  w.EndObject();
  return sb.GetString();
}

HttpResponse text(std::string_view content_type, std::string_view body, const char* cache) {
  HttpResponse r;
  r.content_type = content_type;
  r.body = body;
  r.set_header("Cache-Control", cache);
  return r;
}

}  // namespace

RouteTable make_system_table(Dispatcher& d) {
  RouteTable t;
  t.service = "system";
  t.schemas = {
      {"Health", R"({"type":"object","required":["status"],"properties":{"status":{"type":"string","enum":["ok"]}}})"},
      {"Ready",
       R"({"type":"object","required":["status"],"properties":{"status":{"type":"string","enum":["ready"]}},"additionalProperties":true})"},
  };

  // Built once: /health is the benchmark route, so it does no JSON work per request.
  static const std::string kHealth = health_body();
  t.routes.push_back({Method::kGet, "/health",
                      [](const HttpRequest&, RequestContext&) { return HttpResponse::json(200, kHealth); },
                      AuthMode::kNone, RateClass::kNone,
                      {.summary = "Liveness: the process answers",
                       .responses = {{200, "alive", R"({"$ref":"#/components/schemas/Health"})"}}}});

  t.routes.push_back({Method::kGet, "/ready",
                      [&d](const HttpRequest&, RequestContext&) {
                        ReadyReport rep = d.config().readiness ? d.config().readiness() : ReadyReport{};
                        if (!rep.ready) return error_response(Status::Unavailable(rep.reason.empty() ? "not ready" : rep.reason));
                        rapidjson::StringBuffer sb;
                        rapidjson::Writer<rapidjson::StringBuffer> w(sb);
                        w.StartObject();
                        w.Key("status");
                        w.String("ready");
                        for (const auto& [k, v] : rep.fields) {
                          w.Key(k.c_str());
                          w.Int64(v);
                        }
                        w.EndObject();
                        return HttpResponse::json(200, sb.GetString());
                      },
                      AuthMode::kNone, RateClass::kNone,
                      {.summary = "Readiness: writes reach the disk, the index commits and is caught up",
                       .responses = {{200, "ready", R"({"$ref":"#/components/schemas/Ready"})"}},
                       .errors = {503}}});

  t.routes.push_back({Method::kGet, "/metrics",
                      [&d](const HttpRequest&, RequestContext&) {
                        return text("text/plain; version=0.0.4; charset=utf-8", d.metrics().render(), "no-store");
                      },
                      AuthMode::kNone, RateClass::kNone,
                      {.summary = "Prometheus metrics",
                       .responses = {{200, "metrics", R"({"type":"string"})", "text/plain"}}}});

  t.routes.push_back({Method::kGet, "/api/v1/openapi.json",
                      [&d](const HttpRequest&, RequestContext&) {
                        HttpResponse r = HttpResponse::json(200, d.openapi());
                        r.set_header("Cache-Control", "no-cache");
                        return r;
                      },
                      AuthMode::kNone, RateClass::kDefault,
                      {.summary = "This OpenAPI 3 document",
                       .responses = {{200, "the document", R"({"type":"object"})"}}}});

  if (d.config().serve_web || d.config().serve_docs) {
    t.routes.push_back({Method::kGet, "/docs",
                        [](const HttpRequest&, RequestContext&) {
                          return text("text/html; charset=utf-8", kDocsHtml, "no-cache");
                        },
                        AuthMode::kNone, RateClass::kDefault,
                        {.summary = "Swagger UI", .responses = {{200, "HTML page", R"({"type":"string"})", "text/html"}}}});
    t.routes.push_back({Method::kGet, "/docs/swagger-init.js",
                        [](const HttpRequest&, RequestContext&) {
                          return text("text/javascript; charset=utf-8", kDocsInitJs, "no-cache");
                        },
                        AuthMode::kNone, RateClass::kDefault, {.summary = "Swagger UI start-up script", .hidden = true}});
  }
  return t;
}

}  // namespace chirp::api
