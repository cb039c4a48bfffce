#include "adapters/http/http_listener.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>

#include <algorithm>
#include <istream>
#include <map>
#include <mutex>
#include <stdexcept>

#include "base/json_text.h"

namespace popgate::http {
namespace {

using Routes = std::map<std::string, std::map<std::string, HttpHandler>>;  // path -> method

// Reads at most `limit` + 1 bytes: one more than allowed tells that the body is too long
// without reading a hostile client's gigabytes.
std::string read_bounded(std::istream& in, std::size_t limit) {
  std::string body;
  char buffer[8192];
  while (body.size() <= limit && in.read(buffer, sizeof buffer).gcount() > 0)
    body.append(buffer, static_cast<std::size_t>(in.gcount()));
  return body;
}

std::string allowed_methods(const std::map<std::string, HttpHandler>& by_method) {
  std::string allow;
  for (const auto& [method, handler] : by_method) {
    if (!allow.empty()) allow += ", ";
    allow += method;
  }
  return allow;
}

class RequestHandler : public Poco::Net::HTTPRequestHandler {
 public:
  RequestHandler(const Routes& routes, const HttpListenerOptions& options)
      : routes_(routes), options_(options) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    const auto started = std::chrono::steady_clock::now();
    HttpAccess access;
    access.listener = options_.name;
    access.peer = request.clientAddress().host().toString();
    access.method = request.getMethod();
    const std::string& uri = request.getURI();
    const std::size_t question = uri.find('?');
    access.path = uri.substr(0, question);
    const HttpResponse answer = answer_request(request, uri, question, access);
    send(answer, response);
    access.status = answer.status;
    access.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - started);
    if (options_.on_request) options_.on_request(access);
  }

 private:
  HttpResponse answer_request(Poco::Net::HTTPServerRequest& request, const std::string& uri,
                              std::size_t question, HttpAccess& access) {
    const auto route = routes_.find(access.path);
    if (route == routes_.end()) return HttpResponse::error(404, "no such path: " + access.path);
    const auto handler = route->second.find(access.method);
    if (handler == route->second.end()) {
      HttpResponse refused =
          HttpResponse::error(405, access.method + " is not allowed on " + access.path +
                                       " (allowed: " + allowed_methods(route->second) + ")");
      refused.headers.emplace_back("Allow", allowed_methods(route->second));
      return refused;
    }
    HttpRequest plain;
    plain.method = access.method;
    plain.path = access.path;
    if (question != std::string::npos) plain.query = uri.substr(question + 1);
    plain.peer = access.peer;
    for (const auto& [name, value] : request)
      plain.headers.emplace_back(name, value);
    if (request.hasContentLength() &&
        request.getContentLength64() > static_cast<std::int64_t>(options_.max_body_bytes)) {
      access.error = "body of " + std::to_string(request.getContentLength64()) + " bytes";
      return too_large();
    }
    plain.body = read_bounded(request.stream(), options_.max_body_bytes);
    if (plain.body.size() > options_.max_body_bytes) {
      access.error = "body over the limit";
      return too_large();
    }
    try {
      return handler->second(plain);
    } catch (const std::exception& e) {
      // The client learns that it failed, the log learns why: internals stay on our side.
      access.error = e.what();
      return HttpResponse::error(500, "internal error; the appliance's log says why");
    }
  }

  // The rest of the body stays unread: the connection cannot carry another request.
  HttpResponse too_large() const {
    HttpResponse response = HttpResponse::error(
        413, "request body larger than " + std::to_string(options_.max_body_bytes) + " bytes");
    response.close_connection = true;
    return response;
  }

  static void send(const HttpResponse& answer, Poco::Net::HTTPServerResponse& response) {
    response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(answer.status));
    response.setContentType(answer.content_type);
    for (const auto& [name, value] : answer.headers)
      response.set(name, value);
    response.set("Cache-Control", "no-store");
    if (answer.close_connection) response.setKeepAlive(false);
    response.sendBuffer(answer.body.data(), answer.body.size());
  }

  const Routes& routes_;
  const HttpListenerOptions& options_;
};

class HandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  HandlerFactory(const Routes& routes, const HttpListenerOptions& options)
      : routes_(routes), options_(options) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new RequestHandler(routes_, options_);
  }

 private:
  const Routes& routes_;
  const HttpListenerOptions& options_;
};

}  // namespace

HttpResponse HttpResponse::error(int status, std::string_view message) {
  HttpResponse response;
  response.status = status;
  response.body = "{\"error\":" + base::json_string(message) + "}\n";
  return response;
}

struct HttpListener::State {
  HttpListenerOptions options;
  Routes routes;
  std::unique_ptr<Poco::Net::HTTPServer> server;
  std::uint16_t port = 0;
  mutable std::mutex mu;
};

HttpListener::HttpListener(HttpListenerOptions options) : state_(std::make_unique<State>()) {
  state_->options = std::move(options);
}

HttpListener::~HttpListener() {
  stop();
}

void HttpListener::route(std::string method, std::string path, HttpHandler handler) {
  std::lock_guard lock(state_->mu);
  if (state_->server) throw std::logic_error("HttpListener::route after start");
  state_->routes[std::move(path)][std::move(method)] = std::move(handler);
}

void HttpListener::start() {
  std::lock_guard lock(state_->mu);
  if (state_->server) return;
  const HttpListenerOptions& options = state_->options;
  const std::string where = options.address + ":" + std::to_string(options.port);
  try {
    Poco::Net::ServerSocket socket;
    socket.bind(Poco::Net::SocketAddress(options.address, static_cast<Poco::UInt16>(options.port)),
                true);
    socket.listen(options.max_queued);
    auto params = Poco::makeAuto<Poco::Net::HTTPServerParams>();
    params->setMaxThreads(options.threads);
    params->setMaxQueued(options.max_queued);
    params->setTimeout(Poco::Timespan(options.read_timeout.count(), 0));
    params->setKeepAlive(true);
    params->setMaxKeepAliveRequests(100);
    params->setServerName("popgate");
    state_->port = socket.address().port();
    state_->server = std::make_unique<Poco::Net::HTTPServer>(
        new HandlerFactory(state_->routes, state_->options), socket, params);
    state_->server->start();
  } catch (const Poco::Exception& e) {
    state_->server.reset();
    throw std::runtime_error(options.name + " listener on " + where + ": " + e.displayText());
  }
}

void HttpListener::stop() {
  std::unique_ptr<Poco::Net::HTTPServer> server;
  {
    std::lock_guard lock(state_->mu);
    server = std::move(state_->server);
  }
  if (server) server->stopAll(true);
}

bool HttpListener::running() const {
  std::lock_guard lock(state_->mu);
  return state_->server != nullptr;
}

std::uint16_t HttpListener::port() const {
  std::lock_guard lock(state_->mu);
  return state_->port;
}

}  // namespace popgate::http
