#include "protocols/runtime/worker_pool.h"

namespace wirelab::runtime {

const char* to_string(WorkerState state) {
  switch (state) {
    case WorkerState::created: return "created";
    case WorkerState::running: return "running";
    case WorkerState::paused: return "paused";
    case WorkerState::restarting: return "restarting";
    case WorkerState::stopped: return "stopped";
  }
  return "?";
}

}  // namespace wirelab::runtime
