// Pinning a thread to a CPU, for the real-thread host only (Linux: pthread_setaffinity_np).
//
// Pinning keeps a worker's data in one core's cache and stops the kernel from moving a spinning
// consumer onto its producer's core; it is optional because on a shared or small machine it can
// also pin two busy threads onto one core.
#pragma once

#include <cstddef>

namespace wirelab::runtime::real {

std::size_t online_cpus();
// False (and the thread left as it was) if the CPU does not exist or the call is refused.
bool pin_current_thread(std::size_t cpu);

}  // namespace wirelab::runtime::real
