// `wirelab_analysis_cli report|regress ...`: the two analysis verbs as a standalone binary, with
// the flags of CONTRACT §2, so they can be used and tested before (and apart from) the main CLI.
#include <CLI/CLI.hpp>
#include <iostream>

#include "analysis/regress.h"
#include "analysis/report.h"

int main(int argc, char** argv) {
  CLI::App app{"wirelab analysis: report and regress"};
  app.require_subcommand(1);
  wirelab::analysis::ReportOptions report;
  auto* report_cmd = app.add_subcommand("report", "HTML report of a campaign");
  report_cmd->add_option("--db", report.db_path);
  report_cmd->add_option("--campaign", report.campaign);
  report_cmd->add_option("--out", report.out_dir);
  report_cmd->add_option("--run", report.run_id);
  wirelab::analysis::RegressOptions regress;
  auto* regress_cmd = app.add_subcommand("regress", "statistical comparison of two campaigns or commits");
  regress_cmd->add_option("--baseline", regress.baseline)->required();
  regress_cmd->add_option("--candidate", regress.candidate)->required();
  regress_cmd->add_option("--db", regress.db_path);
  regress_cmd->add_option("--out", regress.out_dir);
  regress_cmd->add_option("--alpha", regress.alpha);
  regress_cmd->add_option("--min-effect", regress.min_effect);
  regress_cmd->add_option("--correction", regress.correction);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (*report_cmd) return wirelab::analysis::run_report(report, std::cout, std::cerr);
  return wirelab::analysis::run_regress(regress, std::cout, std::cerr);
}
