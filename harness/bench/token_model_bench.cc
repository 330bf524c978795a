// Cost of one token of the real backend's token model (harness/real/token_model.h), the work a
// worker does per token in a real `stream` run. Its time per iteration is the figure to put in
// sim's `token_interval` to model this machine (sim charges a token as a fixed worker time):
//     ./lab bench --filter token_model
// Arguments: width, layers (vocabulary 256). 256/2 is what the real backend runs.
#include <benchmark/benchmark.h>

#include "harness/real/token_model.h"

namespace {

void BM_token_model(benchmark::State& state) {
  wirelab::real::TokenModelShape shape;
  shape.width = static_cast<int>(state.range(0));
  shape.layers = static_cast<int>(state.range(1));
  const wirelab::real::TokenModel model(shape, 1);
  int token = 0;
  for (auto _ : state) {
    token = model.next_token(token);
    benchmark::DoNotOptimize(token);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel("tokens");
}
BENCHMARK(BM_token_model)->Args({256, 2})->Args({512, 2})->Args({256, 4});

}  // namespace
