#include "harness/real/token_model.h"

#include <Eigen/Dense>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "protocols/core/random.h"

namespace wirelab::real {

struct TokenModel::Weights {
  Eigen::MatrixXf embedding;            // width x vocab
  std::vector<Eigen::MatrixXf> layers;  // width x width each
  Eigen::MatrixXf output;               // vocab x width
};

namespace {
Eigen::MatrixXf random_matrix(int rows, int cols, SeededRandom& random) {
  // Uniform in +-1/sqrt(cols): activations stay in tanh's useful range through the layers.
  const float scale = 1.0f / std::sqrt(static_cast<float>(cols));
  Eigen::MatrixXf m(rows, cols);
  for (int c = 0; c < cols; ++c)
    for (int r = 0; r < rows; ++r) m(r, c) = static_cast<float>(2 * random.uniform() - 1) * scale;
  return m;
}
}  // namespace

TokenModel::TokenModel(TokenModelShape shape, std::uint64_t seed) : shape_(shape), weights_(std::make_unique<Weights>()) {
  if (shape.width < 1 || shape.layers < 0 || shape.vocab < 1) throw std::invalid_argument("token model: bad shape");
  SeededRandom random(seed);
  weights_->embedding = random_matrix(shape.width, shape.vocab, random);
  for (int i = 0; i < shape.layers; ++i) weights_->layers.push_back(random_matrix(shape.width, shape.width, random));
  weights_->output = random_matrix(shape.vocab, shape.width, random);
}

TokenModel::~TokenModel() = default;

int TokenModel::next_token(int previous) const {
  const int token = ((previous % shape_.vocab) + shape_.vocab) % shape_.vocab;
  Eigen::VectorXf h = weights_->embedding.col(token);
  for (const Eigen::MatrixXf& layer : weights_->layers) h = (layer * h).array().tanh().matrix();
  const Eigen::VectorXf logits = weights_->output * h;
  Eigen::Index best = 0;
  logits.maxCoeff(&best);
  return static_cast<int>(best);
}

}  // namespace wirelab::real
