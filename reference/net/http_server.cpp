// The only translation unit that includes Boost.Beast/Asio (it costs ~20 s to compile).
#include "reference/net/http_server.h"

#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>

#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "reference/common/assert.h"
#include "reference/net/connection_limits.h"
#include "reference/net/http_client.h"
#include "reference/server/http_responses.h"

namespace shapesim::net {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

std::atomic<asio::io_context*> g_running{nullptr};


// Converts a parsed Beast request into the core's struct (lower-case header names).
Result<HttpRequest> to_core_request(http::request<http::string_body>& req) {
  std::string method(req.method_string());
  auto parsed = HttpRequest::from_target(method, std::string_view(req.target().data(), req.target().size()));
  if (!parsed.ok()) return invalid_argument("malformed request target: " + parsed.status().message());
  for (const auto& field : req) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    parsed->headers[name] = std::string(field.value());
  }
  parsed->body = std::move(req.body());
  return parsed;
}

class Driver;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Driver& driver, const ServeOptions& options);
  ~Session();
  void start() { read(); }
  void deliver(HttpResponse response);
  // One answer shared with other sessions: `keep_alive_bytes` is it serialized for a kept-alive
  // connection (the common case), used as is; a closing connection serializes its own.
  void deliver_shared(const HttpResponse& response, const std::shared_ptr<const std::string>& keep_alive_bytes);
  // More of a streaming response (SSE); `end` finishes it with the last chunk.
  void stream(std::string data, bool end);

 private:
  void begin_stream(HttpResponse response);
  void pump_stream();
  void finish_stream();
  void read();
  void on_header(beast::error_code ec);
  void on_read(beast::error_code ec);
  // Closes the connection unless the current read completes within `d` (timed_out_ is set).
  void arm_deadline(Duration d);
  void watch_disconnect();
  void stop_watching();
  void write(std::shared_ptr<const std::string> bytes);
  void reply_directly(int status, const std::string& message);
  void close();

  tcp::socket socket_;
  Driver& driver_;
  const ServeOptions& options_;
  asio::steady_timer deadline_;
  bool timed_out_ = false;
  uint64_t requests_ = 0;  // requests read on this connection
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<RequestId> pending_;
  bool keep_alive_ = true;
  bool watching_ = false;
  // Streaming state: chunks wait in `stream_queue_` while one write is in flight.
  bool stream_writing_ = false;
  bool stream_end_ = false;
  std::deque<std::shared_ptr<std::string>> stream_queue_;
  std::shared_ptr<http::response<http::empty_body>> stream_header_;
  std::shared_ptr<http::response_serializer<http::empty_body>> stream_serializer_;
};

class Driver {
 public:
  Driver(HttpService& server, const ServeOptions& options)
      : server_(server), options_(options), acceptor_(ioc_), timer_(ioc_), signals_(ioc_, SIGINT, SIGTERM),
        source_timer_(ioc_) {}

  Status run() {
    beast::error_code ec;
    auto address = asio::ip::make_address(options_.host, ec);
    if (ec) return invalid_argument("bad listen address " + options_.host + ": " + ec.message());
    tcp::endpoint endpoint{address, options_.port};
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return unavailable("cannot listen on " + options_.host + ":" + std::to_string(options_.port) + ": " + ec.message());
    // Every connection costs a descriptor: take all the process may have, keep some for the
    // store, the replication stream and the reserve.
    uint64_t descriptors = raise_descriptor_limit();
    max_connections_ = std::min<uint64_t>(options_.max_connections, descriptors > 128 ? descriptors - 64 : 64);
    reserve_.acquire();
    if (options_.on_listening) options_.on_listening(acceptor_.local_endpoint().port());
    signals_.async_wait([this](beast::error_code, int) { stop(); });
    accept();
    if (options_.extra_source) {
      rewatch_source();
      tick_source();
    }
    g_running = &ioc_;
    ioc_.run();
    g_running = nullptr;
    return source_status_;
  }

  void stop() {
    beast::error_code ignored;
    acceptor_.close(ignored);
    accept_timer_.cancel();
    timer_.cancel();
    signals_.cancel();
    source_timer_.cancel();
    if (source_fd_) source_fd_->close(ignored);
    ioc_.stop();
  }

  RequestId next_id() { return RequestId{++last_id_}; }
  void session_opened() { ++open_sessions_; }
  void session_closed() { --open_sessions_; }

  void handle(RequestId id, const std::shared_ptr<Session>& session, const HttpRequest& request) {
    waiting_[id] = session;
    dispatch(server_.handle(id, request, wall_clock_now()));
  }

  void cancel(RequestId id) {
    waiting_.erase(id);
    server_.cancel(id);
    arm_timer();
  }

 private:
  void accept() {
    acceptor_.async_accept(asio::make_strand(ioc_), [this](beast::error_code ec, tcp::socket socket) {
      if (!acceptor_.is_open() || ec == asio::error::operation_aborted) return;  // stopped
      if (ec) return accept_failed();
      if (open_sessions_ >= max_connections_) {
        shed(socket.native_handle());  // closed as `socket` goes out of scope
        return accept();
      }
      socket.set_option(tcp::no_delay(true), ec);
      std::make_shared<Session>(std::move(socket), *this, options_)->start();
      accept();
    });
  }

  // Accepting failed: out of descriptors (EMFILE, ENFILE) or memory. Give up the reserve
  // descriptor to take one waiting connection and tell it 503, then accept again after a
  // pause (the listening socket stays readable; re-arming at once would spin).
  void accept_failed() {
    if (reserve_.release()) {
      shed_one_waiting(acceptor_.native_handle());
      reserve_.acquire();
    }
    accept_timer_.expires_after(std::chrono::milliseconds(50));
    accept_timer_.async_wait([this](beast::error_code ec) {
      if (!ec) accept();
    });
  }

  void dispatch(ServerOutput out) {
    for (auto& [id, response] : out.responses) {
      auto it = waiting_.find(id);
      if (it == waiting_.end()) continue;
      auto session = it->second.lock();
      if (!response.streaming) waiting_.erase(it);  // a stream stays until its end event
      if (session) session->deliver(std::move(response));
    }
    for (const auto& shared : out.shared_responses) deliver_shared(shared);
    for (auto& event : out.stream_events) {
      auto it = waiting_.find(event.id);
      if (it == waiting_.end()) continue;
      auto session = it->second.lock();
      if (event.end) waiting_.erase(it);
      if (session) session->stream(std::move(event.data), event.end);
    }
    if (options_.on_notice) {
      for (const auto& notice : out.notices) options_.on_notice(notice);
    }
    arm_timer();
  }

  // A fan-out: serialized once, the same bytes written to every session kept alive.
  void deliver_shared(const SharedResponse& shared) {
    auto bytes = std::make_shared<const std::string>(serialize_response(shared.response, true));
    for (RequestId id : shared.ids) {
      auto it = waiting_.find(id);
      if (it == waiting_.end()) continue;
      auto session = it->second.lock();
      waiting_.erase(it);
      if (session) session->deliver_shared(shared.response, bytes);
    }
  }

  void poll_source() {
    auto out = options_.extra_source->poll(wall_clock_now());
    if (!out.ok()) {
      source_status_ = out.status();
      return stop();
    }
    dispatch(std::move(*out));
    rewatch_source();
  }

  // Watches the source's current socket: a duplicate, so closing the descriptor object
  // leaves the source's own socket alone. Called after every poll (the source may have
  // reconnected).
  void rewatch_source() {
    auto current = options_.extra_source->socket();
    if (source_fd_ && current.fd >= 0 && current.generation == watched_generation_) return;
    if (source_fd_) {
      beast::error_code ignored;
      source_fd_->close(ignored);  // the pending wait completes with operation_aborted
      source_fd_.reset();
    }
    watched_generation_ = current.generation;
    if (current.fd < 0) return;  // disconnected: the tick polls until it reconnects
    source_fd_.emplace(ioc_, ::dup(current.fd));
    watch_source();
  }

  void watch_source() {
    uint64_t armed = watched_generation_;
    source_fd_->async_wait(asio::posix::stream_descriptor::wait_read, [this, armed](beast::error_code ec) {
      if (ec) return;
      poll_source();
      // Same connection: wait again (a new one was armed by rewatch_source already).
      if (source_status_.ok() && source_fd_ && watched_generation_ == armed) watch_source();
    });
  }

  void tick_source() {
    source_timer_.expires_after(std::chrono::microseconds(options_.extra_source->poll_interval.micros));
    source_timer_.async_wait([this](beast::error_code ec) {
      if (ec) return;
      poll_source();
      if (source_status_.ok()) tick_source();
    });
  }

  // One timer for the core's next deadline (parked long-polls timing out).
  void arm_timer() {
    auto deadline = server_.next_deadline();
    if (!deadline) {
      timer_.cancel();
      armed_.reset();
      return;
    }
    if (armed_ && *armed_ == *deadline) return;
    armed_ = *deadline;
    Duration wait = *deadline - wall_clock_now();
    timer_.expires_after(std::chrono::microseconds(std::max<int64_t>(wait.micros, 0)));
    timer_.async_wait([this](beast::error_code ec) {
      if (ec) return;
      armed_.reset();
      dispatch(server_.tick(wall_clock_now()));
    });
  }

  HttpService& server_;
  const ServeOptions& options_;
  asio::io_context ioc_{1};
  tcp::acceptor acceptor_;
  asio::steady_timer timer_;
  asio::signal_set signals_;
  std::map<RequestId, std::weak_ptr<Session>> waiting_;
  std::optional<Timestamp> armed_;
  uint64_t last_id_ = 0;
  uint64_t open_sessions_ = 0;
  uint64_t max_connections_ = 0;
  ReserveDescriptor reserve_;  // given up to answer a connection when descriptors run out
  asio::steady_timer accept_timer_{ioc_};
  asio::steady_timer source_timer_;
  std::optional<asio::posix::stream_descriptor> source_fd_;
  uint64_t watched_generation_ = 0;
  Status source_status_;
};

Session::Session(tcp::socket socket, Driver& driver, const ServeOptions& options)
    : socket_(std::move(socket)), driver_(driver), options_(options), deadline_(socket_.get_executor()) {
  driver_.session_opened();
}

Session::~Session() { driver_.session_closed(); }

void Session::arm_deadline(Duration d) {
  timed_out_ = false;
  deadline_.expires_after(std::chrono::microseconds(std::max<int64_t>(d.micros, 0)));
  deadline_.async_wait([weak = weak_from_this()](beast::error_code ec) {
    auto self = weak.lock();
    if (ec || !self) return;
    self->timed_out_ = true;
    beast::error_code ignored;
    self->socket_.cancel(ignored);  // the pending read completes with operation_aborted
  });
}

void Session::read() {
  parser_.emplace();
  parser_->body_limit(options_.max_request_bytes);
  parser_->header_limit(static_cast<uint32_t>(std::min<size_t>(options_.max_request_bytes, 64 * 1024)));
  // The first request's header is due within header_timeout; on a kept-alive connection the
  // client may first stay idle for idle_timeout.
  arm_deadline(requests_ == 0 ? options_.header_timeout : options_.idle_timeout + options_.header_timeout);
  http::async_read_header(socket_, buffer_, *parser_,
                          [self = shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
}

void Session::on_header(beast::error_code ec) {
  if (ec) return on_read(ec);
  arm_deadline(options_.body_timeout);
  http::async_read(socket_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
}

void Session::on_read(beast::error_code ec) {
  deadline_.cancel();
  if (timed_out_) {
    keep_alive_ = false;
    // Silence (nothing of a request yet) just closes; a request begun too slowly gets 408.
    if (!parser_->got_some()) return close();
    return reply_directly(408, "request not received in time");
  }
  if (ec == http::error::body_limit || ec == http::error::header_limit || ec == http::error::buffer_overflow) {
    keep_alive_ = false;
    return reply_directly(413, "request too large");
  }
  if (ec == http::error::end_of_stream || ec) {
    if (ec && ec != http::error::end_of_stream && ec != asio::error::connection_reset && ec != asio::error::eof &&
        ec != asio::error::operation_aborted) {
      keep_alive_ = false;
      return reply_directly(400, "malformed HTTP request: " + ec.message());
    }
    return close();
  }
  auto& req = parser_->get();
  ++requests_;
  keep_alive_ = req.keep_alive();
  auto parsed = to_core_request(req);
  if (!parsed.ok()) return reply_directly(400, parsed.status().message());
  beast::error_code peer_error;
  if (auto peer = socket_.remote_endpoint(peer_error); !peer_error) parsed->peer = peer.address().to_string();
  RequestId id = driver_.next_id();
  pending_ = id;
  driver_.handle(id, shared_from_this(), *parsed);
  if (pending_) watch_disconnect();  // parked: notice if the client goes away
}

void Session::watch_disconnect() {
  if (watching_) return;  // the previous watch is still pending and serves this request too
  watching_ = true;
  socket_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](beast::error_code ec) {
    self->watching_ = false;
    if (!self->pending_ || ec == asio::error::operation_aborted) return;
    char probe;
    beast::error_code peek_ec;
    size_t n = self->socket_.receive(asio::buffer(&probe, 1), tcp::socket::message_peek, peek_ec);
    if (ec || peek_ec || n == 0) {  // closed or reset: release the parked request
      RequestId id = *self->pending_;
      self->pending_.reset();
      self->driver_.cancel(id);
      self->close();
    }
    // Otherwise the client pipelined another request: it is read after this response.
  });
}

// The disconnect watch is left pending, not cancelled (a cancel costs a reactor round trip per
// answer in a fan-out): it completes when the client's next request arrives, ahead of the read
// queued behind it, sees no pending request and does nothing.
void Session::stop_watching() { pending_.reset(); }

void Session::deliver(HttpResponse response) {
  if (response.streaming) return begin_stream(std::move(response));
  stop_watching();
  // One buffer per answer, serialized once (Beast's header containers would allocate per
  // field). A HEAD answer keeps the GET's content-length.
  write(std::make_shared<const std::string>(serialize_response(response, keep_alive_)));
}

void Session::deliver_shared(const HttpResponse& response, const std::shared_ptr<const std::string>& keep_alive_bytes) {
  SHAPESIM_ASSERT(!response.streaming);
  stop_watching();
  write(keep_alive_ ? keep_alive_bytes : std::make_shared<const std::string>(serialize_response(response, false)));
}

void Session::begin_stream(HttpResponse response) {
  // pending_ stays set and the disconnect watch keeps running: a client that goes away
  // cancels the stream in the core.
  stream_header_ = std::make_shared<http::response<http::empty_body>>(static_cast<http::status>(response.status), 11);
  for (const auto& [name, value] : response.headers) stream_header_->set(name, value);
  stream_header_->set(http::field::server, "shapesim");
  stream_header_->keep_alive(keep_alive_);
  stream_header_->chunked(true);
  stream_serializer_ = std::make_shared<http::response_serializer<http::empty_body>>(*stream_header_);
  stream_writing_ = true;
  stream_end_ = false;
  if (!response.body.empty()) stream_queue_.push_back(std::make_shared<std::string>(std::move(response.body)));
  http::async_write_header(socket_, *stream_serializer_, [self = shared_from_this()](beast::error_code ec, size_t) {
    self->stream_writing_ = false;
    if (ec) return self->close();
    self->pump_stream();
  });
}

void Session::stream(std::string data, bool end) {
  if (!stream_serializer_) return;  // no stream in progress (e.g. the write failed)
  if (!data.empty()) stream_queue_.push_back(std::make_shared<std::string>(std::move(data)));
  stream_end_ = stream_end_ || end;
  pump_stream();
}

void Session::pump_stream() {
  if (stream_writing_) return;
  if (!stream_queue_.empty()) {
    auto chunk = stream_queue_.front();
    stream_queue_.pop_front();
    stream_writing_ = true;
    asio::async_write(socket_, http::make_chunk(asio::buffer(*chunk)),
                      [self = shared_from_this(), chunk](beast::error_code ec, size_t) {
                        self->stream_writing_ = false;
                        if (ec) return self->close();
                        self->pump_stream();
                      });
    return;
  }
  if (!stream_end_) return;
  stream_writing_ = true;
  asio::async_write(socket_, http::make_chunk_last(), [self = shared_from_this()](beast::error_code ec, size_t) {
    self->stream_writing_ = false;
    if (ec) return self->close();
    self->finish_stream();
  });
}

void Session::finish_stream() {
  stream_serializer_.reset();
  stream_header_.reset();
  stop_watching();
  if (!keep_alive_) return close();
  read();
}

void Session::write(std::shared_ptr<const std::string> bytes) {
  asio::async_write(socket_, asio::buffer(*bytes), [self = shared_from_this(), bytes](beast::error_code ec, size_t) {
    if (ec || !self->keep_alive_) return self->close();
    self->read();
  });
}

void Session::reply_directly(int status, const std::string& message) {
  HttpResponse r = json_error(status, message);
  add_cors_headers(r, std::nullopt);
  deliver(std::move(r));
}

void Session::close() {
  beast::error_code ignored;
  deadline_.cancel();
  socket_.shutdown(tcp::socket::shutdown_send, ignored);
  socket_.close(ignored);
}

}  // namespace

Status serve_http(HttpService& server, const ServeOptions& options) {
  Driver driver(server, options);
  return driver.run();
}

Result<HttpRequest> parse_http_request(std::string_view bytes, size_t max_request_bytes) {
  http::request_parser<http::string_body> parser;
  parser.body_limit(max_request_bytes);
  parser.header_limit(static_cast<uint32_t>(std::min<size_t>(max_request_bytes, 64 * 1024)));
  parser.eager(true);
  beast::error_code ec;
  size_t used = parser.put(asio::buffer(bytes.data(), bytes.size()), ec);
  if (!ec && !parser.is_done()) parser.put_eof(ec);
  if (ec) return invalid_argument("malformed HTTP request: " + ec.message());
  if (!parser.is_done()) return invalid_argument("incomplete HTTP request");
  (void)used;
  return to_core_request(parser.get());
}

void request_stop() {
  if (auto* ioc = g_running.load()) ioc->stop();
}

}  // namespace shapesim::net
