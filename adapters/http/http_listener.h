// An HTTP listener: routes (method, exact path) to handlers that take and return plain values,
// so that the code answering requests never sees the HTTP library. Each request is read with a
// bounded body and a read timeout, answered on one of a bounded pool of threads, and reported
// to `on_request` (client address, method, path, status, time taken) for the log.
//
// Errors are JSON bodies that say what was wrong ({"error": "..."}): an unknown path 404, a
// known path with another method 405 (with Allow), a body over the limit 413, a handler that
// throws 500 with nothing of the exception in the body (the exception goes to the log).
#ifndef POPGATE_ADAPTERS_HTTP_HTTP_LISTENER_H_
#define POPGATE_ADAPTERS_HTTP_HTTP_LISTENER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace popgate::http {

struct HttpRequest {
  std::string method;  // "GET"
  std::string path;    // "/metrics", without the query
  std::string query;   // after '?', undecoded; empty when none
  std::string peer;    // the client's address
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // Close the connection after this answer (a request whose body was not read whole).
  bool close_connection = false;

  // {"error": message} with `status`.
  static HttpResponse error(int status, std::string_view message);
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// One answered request, for the log.
struct HttpAccess {
  std::string listener;  // HttpListenerOptions::name
  std::string peer;
  std::string method;
  std::string path;
  int status = 0;
  std::chrono::microseconds elapsed{0};
  std::string error;  // what a handler threw (500), or why the request was refused
};

struct HttpListenerOptions {
  std::string name = "http";  // in log lines: "admin", "api"
  std::string address = "127.0.0.1";
  int port = 0;  // 0: any free port (tests); port() tells which
  int threads = 4;
  int max_queued = 64;  // connections waiting for a thread; more are refused
  std::size_t max_body_bytes = 64 * 1024;
  std::chrono::seconds read_timeout{10};  // a client that sends nothing this long is dropped
  std::function<void(const HttpAccess&)> on_request;
};

class HttpListener {
 public:
  explicit HttpListener(HttpListenerOptions options);
  ~HttpListener();  // stops
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;

  // Adds a route; before start() only.
  void route(std::string method, std::string path, HttpHandler handler);
  // Binds and starts serving. Throws std::runtime_error naming the address when it cannot bind.
  void start();
  // Stops accepting and waits for the requests being answered. Idempotent.
  void stop();
  bool running() const;
  std::uint16_t port() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace popgate::http

#endif  // POPGATE_ADAPTERS_HTTP_HTTP_LISTENER_H_
