// The token model of the real backend's `stream` workload: the work a worker does for one token.
//
// A small stand-in for an inference step, with a realistic shape and no meaning: a token's
// embedding (one column of a vocab x width matrix) through `layers` dense layers of width x
// width with tanh, then a width x vocab output projection and an argmax over the logits. At the
// default 256 wide, 2 layers and 256 tokens, one token is three 256 x 256 matrix-vector products
// (~200 k multiply-adds). Weights are fixed by a seed and read-only after construction, so one
// model serves every worker thread at once.
//
// `wirelab bench --filter token_model` measures its cost per token on this machine, the figure
// to use as `token_interval` in sim (which models a token as a fixed worker time).
#pragma once

#include <cstdint>
#include <memory>

namespace wirelab::real {

struct TokenModelShape {
  int width = 256;
  int layers = 2;
  int vocab = 256;
};

class TokenModel {
 public:
  explicit TokenModel(TokenModelShape shape = {}, std::uint64_t seed = 1);
  ~TokenModel();
  TokenModel(const TokenModel&) = delete;
  TokenModel& operator=(const TokenModel&) = delete;

  // The token that follows `previous` (taken modulo the vocabulary). Thread-safe (const).
  int next_token(int previous) const;
  const TokenModelShape& shape() const { return shape_; }

 private:
  struct Weights;
  TokenModelShape shape_;
  std::unique_ptr<Weights> weights_;
};

}  // namespace wirelab::real
