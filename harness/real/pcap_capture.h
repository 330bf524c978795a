// Records the packets one network interface sees into a pcap file (libpcap), on a thread of its
// own, for as long as the object lives: the capture of `capture: true` runs in the real backend,
// and the piece any other host (emu's TAP devices) reuses.
//
//   PcapCaptureOptions options;
//   options.interface = "lo";
//   options.filter = "udp and port 4000 and port 4001";
//   options.path = "run.pcap";
//   PcapCapture capture(options);   // recording from here on; throws CaptureError
//   ... traffic ...
//   const PcapCapture::Stats stats = capture.stop();   // every packet seen so far is in the file
//
// The interface may live in another network namespace (`netns`, a name under /run/netns): the
// capture socket is opened there (the calling thread switches in and back) and keeps reading it
// from any thread. `filter` is a pcap-filter(7) expression, compiled by libpcap; keep it to the
// run's own addresses and ports so that parallel runs on one interface do not mix.
//
// What it sees is what the interface carries: a UDP GSO send or a TSO/GSO TCP segment crosses
// `lo` and veth devices as one large packet, so a host that wants one captured packet per
// datagram turns UDP GSO off while capturing (the real backend does); kernel TCP's super-segments
// count as ceil(payload / MSS) of the segments the kernel counts. On `lo`, libpcap keeps only
// the incoming copy of each packet, so each appears once.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>

struct pcap;
struct pcap_dumper;

namespace wirelab::real {

struct CaptureError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct PcapCaptureOptions {
  std::string interface;  // e.g. "lo", a veth, a TAP device
  std::string netns;      // empty: the calling thread's network namespace; else /run/netns/<netns>
  std::string filter;     // pcap-filter(7) expression; empty: every packet
  std::string path;       // the pcap file, created or truncated
  int snaplen = 262144;   // bytes kept per packet: whole packets, GSO ones included
};

class PcapCapture {
 public:
  struct Stats {
    std::uint64_t packets_written = 0;  // records in the file
    std::uint64_t packets_dropped = 0;  // the kernel or the interface dropped them before libpcap saw them
  };

  // Opens the interface and the file and starts recording before returning. Throws
  // CaptureError naming the interface or the path and the reason.
  explicit PcapCapture(PcapCaptureOptions options);
  // Stops (as stop()) if not stopped yet.
  ~PcapCapture();
  PcapCapture(const PcapCapture&) = delete;
  PcapCapture& operator=(const PcapCapture&) = delete;

  // Reads what is still queued (until no packet came for 50 ms, at most a second: packets the
  // stack has sent may still be on their way to the tap), writes it, and closes the file.
  // Further calls return the same stats.
  Stats stop();

  const std::string& path() const { return options_.path; }

 private:
  void record();

  PcapCaptureOptions options_;
  pcap* handle_ = nullptr;
  pcap_dumper* dumper_ = nullptr;
  int stop_fd_ = -1;
  std::thread thread_;
  std::uint64_t written_ = 0;
  bool stopped_ = false;
  Stats stats_;
};

}  // namespace wirelab::real
