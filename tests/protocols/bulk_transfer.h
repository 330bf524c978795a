// A bulk transfer over the scripted pipe: the client streams BulkContent bytes (BulkPattern's by
// default) and a FIN, the server checks them with BulkContentCheck. Shared by the PFS tests.
#pragma once

#include <functional>
#include <memory>

#include "protocols/pfs/pfs.h"
#include "protocols/workloads/bulk_content.h"
#include "tests/protocols/scripted_pipe.h"

namespace wirelab::testing {

struct BulkOutcome {
  bool finished = false;       // the server read the FIN
  bool integrity_ok = false;
  double fct_s = 0;            // connect to last byte read by the server
  std::uint64_t bytes = 0;
  TransportStats client;
  TransportStats server;
  PipeCounters forward;
  std::string client_closed, server_closed;  // close reasons seen by the application, if any
  double goodput_bps() const { return fct_s > 0 ? 8.0 * static_cast<double>(bytes) / fct_s : 0; }
};

inline BulkOutcome run_bulk(const pfs::PfsConfig& config, const PipeLink& forward, const PipeLink& reverse,
                            std::uint64_t bytes, std::uint64_t seed, Duration limit = std::chrono::seconds(600),
                            const BulkContent* content = nullptr, std::size_t write_bytes = 64 * 1024,
                            const std::function<void(Timestamp, Transport& client, Transport& server)>& watch = {},
                            bool in_place = false) {
  auto client = pfs::make_transport(config, pfs::Role::kClient, seed * 2 + 1);
  auto server = pfs::make_transport(config, pfs::Role::kServer, seed * 2 + 2);
  ScriptedPipe pipe(*client, *server, forward, reverse, seed);
  // The default content is BulkPattern(seed), the random mode.
  const BulkContent data = content ? *content : BulkContent(BulkData{}, seed, 0);
  BulkContentCheck check(data, bytes);
  std::vector<std::uint8_t> chunk(write_bytes), in(64 * 1024);
  std::uint64_t written = 0;
  bool fin_written = false, done = false;
  std::optional<StreamId> stream;
  BulkOutcome outcome;
  outcome.bytes = bytes;

  client->connect(kTimeZero);
  auto app = [&](Timestamp now) {
    if (watch) watch(now, *client, *server);
    while (auto e = client->poll_event()) {
      if (e->kind == TransportEvent::Kind::kConnected && !stream) stream = client->open_stream();
      if (e->kind == TransportEvent::Kind::kClosed) outcome.client_closed = "closed: '" + e->reason + "'";
    }
    if (stream && !fin_written && in_place) {
      // Filled in the send buffer itself (write_space/commit_write), as BulkSender does.
      while (written < bytes) {
        const auto space = client->write_space(*stream, std::min<std::uint64_t>(chunk.size(), bytes - written));
        if (!space || space->size == 0) break;
        data.fill(written, *space);
        written += space->size;
        client->commit_write(*stream, space->size, written == bytes);
      }
      if (written == bytes) {
        if (bytes == 0) client->commit_write(*stream, 0, true);
        fin_written = true;
      }
    }
    if (stream && !fin_written) {
      for (;;) {
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), bytes - written));
        data.fill(written, MutableByteView(chunk.data(), n));
        const bool last = written + n == bytes;
        const std::size_t took = client->write(*stream, ByteView(chunk.data(), n), last);
        written += took;
        if (last && took == n) {
          fin_written = true;
          break;
        }
        if (took < n || took == 0) break;
      }
    }
    while (auto e = server->poll_event()) {
      if (e->kind == TransportEvent::Kind::kClosed) outcome.server_closed = "closed: '" + e->reason + "'";
      if (e->kind != TransportEvent::Kind::kStreamReadable && e->kind != TransportEvent::Kind::kStreamOpened) continue;
      for (;;) {
        bool fin = false;
        std::size_t n;
        if (in_place) {
          // Checked in the receive buffer itself (readable_bytes/consume), as BulkReceiver does.
          const auto ready = server->readable_bytes(e->stream, &fin);
          n = ready ? ready->size : 0;
          if (n) check.feed(*ready);
          if (ready && (n || fin)) server->consume(e->stream, n);
        } else {
          n = server->read(e->stream, MutableByteView(in.data(), in.size()), &fin);
          check.feed(ByteView(in.data(), n));
        }
        if (fin && !done) {
          check.finish();
          done = true;
          outcome.fct_s = to_seconds(now);
        }
        if (n == 0) break;
      }
    }
  };
  outcome.finished = pipe.run([&] { return done; }, kTimeZero + limit, app);
  outcome.integrity_ok = check.integrity_ok();
  outcome.client = client->stats();
  outcome.server = server->stats();
  outcome.forward = pipe.counters(0);
  return outcome;
}

}  // namespace wirelab::testing
