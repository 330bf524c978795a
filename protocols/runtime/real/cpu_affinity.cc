#include "protocols/runtime/real/cpu_affinity.h"

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

namespace wirelab::runtime::real {

std::size_t online_cpus() {
  const long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<std::size_t>(n) : 1;
}

bool pin_current_thread(std::size_t cpu) {
  if (cpu >= CPU_SETSIZE) return false;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof(set), &set) == 0;
}

}  // namespace wirelab::runtime::real
