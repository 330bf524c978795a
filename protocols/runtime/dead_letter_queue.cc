#include "protocols/runtime/dead_letter_queue.h"

namespace wirelab::runtime {

const char* to_string(DeadLetterReason reason) {
  switch (reason) {
    case DeadLetterReason::rejected: return "rejected";
    case DeadLetterReason::shed: return "shed";
    case DeadLetterReason::handler_failed: return "handler_failed";
    case DeadLetterReason::retries_exhausted: return "retries_exhausted";
    case DeadLetterReason::undeliverable: return "undeliverable";
  }
  return "?";
}

}  // namespace wirelab::runtime
