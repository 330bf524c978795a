// A Transport and the Session on top of it, hosted as one Endpoint: a host that knows the four
// verbs of protocols/core/endpoint.h runs any workload without knowing workloads exist.
//
// The order within one host round is the one endpoint.h prescribes, with the application's turn
// where a hand-written host would put it:
//   on_datagram ...             datagrams into the transport
//   on_timeout (if due)         the transport's timers (the session's run in its turn)
//   first poll_transmit         the application's turn: the transport's events to the session,
//                               then session.service(now) — writes, reads, its own timers
//   poll_transmit ... nullopt   the transport's datagrams; on nullopt, events raised while
//                               sending go to the session too
// next_timeout() is the earlier of the transport's and the session's.
#pragma once

#include <functional>
#include <memory>

#include "protocols/core/endpoint.h"
#include "protocols/workloads/session.h"

namespace wirelab::workloads {

using SessionFactory = std::function<std::unique_ptr<Session>(StreamApi& connection)>;

class ApplicationEndpoint final : public Endpoint {
 public:
  ApplicationEndpoint(std::unique_ptr<Transport> transport, const SessionFactory& make_session)
      : transport_(std::move(transport)), session_(make_session(*transport_)) {}

  void on_datagram(Timestamp now, ByteView datagram) override { transport_->on_datagram(now, datagram); }
  void on_timeout(Timestamp now) override {
    if (now >= transport_->next_timeout()) transport_->on_timeout(now);
  }
  std::optional<std::size_t> poll_transmit(Timestamp now, MutableByteView buffer) override {
    if (!in_round_) {
      in_round_ = true;
      deliver_events(now);
      session_->service(now);
    }
    auto size = transport_->poll_transmit(now, buffer);
    if (!size) {
      in_round_ = false;
      deliver_events(now);
    }
    return size;
  }
  Timestamp next_timeout() const override {
    return std::min(transport_->next_timeout(), session_->next_timeout());
  }
  std::size_t max_datagram_size() const override { return transport_->max_datagram_size(); }

  Transport& transport() { return *transport_; }
  const Transport& transport() const { return *transport_; }
  Session& session() { return *session_; }
  const Session& session() const { return *session_; }

 private:
  void deliver_events(Timestamp now) {
    while (auto event = transport_->poll_event()) session_->on_event(now, *event);
  }

  std::unique_ptr<Transport> transport_;
  std::unique_ptr<Session> session_;
  bool in_round_ = false;
};

}  // namespace wirelab::workloads
