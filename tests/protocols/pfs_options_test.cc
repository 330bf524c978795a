// Scenario options for PFS: the strings a scenario file carries become a PfsConfig, and a typo or
// an out-of-range value is refused with a message naming the key and what is allowed, so a bad
// sweep fails at parse time instead of running the wrong protocol.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "protocols/pfs/pfs.h"

namespace wirelab::pfs {
namespace {

TEST(PfsOptions, DefaultsAreBbrSelectiveRepeatWithPacing) {
  const PfsConfig c = config_from_options({}, 1472);
  EXPECT_EQ(c.cc, CcAlgorithm::kBbr);
  EXPECT_EQ(c.arq, ArqMode::kSelectiveRepeat);
  EXPECT_TRUE(c.pacing);
}

TEST(PfsOptions, StringValuesAreParsed) {
  const PfsConfig c = config_from_options({{"cc", "aimd"},
                                           {"arq", "go-back-n"},
                                           {"pacing", "false"},
                                           {"initial_window", "4"},
                                           {"aimd_increase", "2.5"},
                                           {"aimd_decrease", "0.7"}},
                                          1472);
  EXPECT_EQ(c.cc, CcAlgorithm::kAimd);
  EXPECT_EQ(c.arq, ArqMode::kGoBackN);
  EXPECT_FALSE(c.pacing);
  EXPECT_EQ(c.initial_window_packets, 4u);
  EXPECT_DOUBLE_EQ(c.aimd_increase_packets, 2.5);
  EXPECT_DOUBLE_EQ(c.aimd_decrease_factor, 0.7);
}

void expect_rejected(const std::string& key, const std::string& value) {
  try {
    config_from_options({{key, value}}, 1472);
    ADD_FAILURE() << key << "=" << value << " was accepted";
  } catch (const PfsOptionError& e) {
    EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << "message does not name the key: " << e.what();
  }
}

TEST(PfsOptions, UnknownKeysAndBadValuesNameTheKey) {
  expect_rejected("congestion", "bbr");
  expect_rejected("cc", "vegas");
  expect_rejected("arq", "stop-and-wait");
  expect_rejected("pacing", "maybe");
  expect_rejected("initial_window", "0");
  expect_rejected("initial_window", "ten");
  expect_rejected("aimd_increase", "0");
  expect_rejected("aimd_decrease", "1");
  expect_rejected("aimd_decrease", "0");
  expect_rejected("fec", "rs(10)");
  expect_rejected("fec", "rs(250,10)");
  expect_rejected("fec_interleave", "0");
  expect_rejected("fec_interleave", "65");
  expect_rejected("fec_interleave", "2.5");
}

TEST(PfsOptions, FecIsOffByDefaultAndParsed) {
  EXPECT_FALSE(config_from_options({}, 1472).fec.enabled());
  EXPECT_EQ(config_from_options({}, 1472).fec_interleave, 1u);
  const PfsConfig c = config_from_options({{"fec", "rs(10, 2)"}, {"fec_interleave", "4"}}, 1472);
  EXPECT_EQ(c.fec, (fec::RsParams{10, 2}));
  EXPECT_EQ(c.fec_interleave, 4u);
  // A repair must carry a whole source: a long source list leaves small packets no room.
  EXPECT_NO_THROW(config_from_options({{"fec", "rs(200,50)"}}, 1472));
  EXPECT_THROW(config_from_options({{"fec", "rs(200,50)"}}, 548), PfsOptionError);
  EXPECT_NO_THROW(config_from_options({{"fec", "rs(10,2)"}}, 548));
}

TEST(PfsOptions, HelpListsEveryKey) {
  for (const char* key : {"cc", "arq", "pacing", "initial_window", "aimd_increase", "aimd_decrease"})
    EXPECT_EQ(option_help().count(key), 1u) << key;
}

}  // namespace
}  // namespace wirelab::pfs
