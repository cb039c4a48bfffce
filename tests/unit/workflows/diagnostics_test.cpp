#include "workflows/config/diagnostics.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "workflows/config/did_you_mean.h"

namespace popgate::workflows {
namespace {

TEST(Diagnostics, SortsByFileLineAndColumnAndDropsDuplicates) {
  Diagnostics out;
  out.error("b.yaml", {1, 1}, "later file");
  out.error("a.yaml", {10, 2}, "line ten");
  out.warning("a.yaml", {2, 5}, "a warning");
  out.error("a.yaml", {2, 3}, "column three");
  out.error("a.yaml", {10, 2}, "line ten");  // noticed twice
  out.error("a.yaml", {}, "whole file");
  EXPECT_EQ(format_text(out.sorted()),
            "a.yaml: error: whole file\n"
            "a.yaml:2:3: error: column three\n"
            "a.yaml:2:5: warning: a warning\n"
            "a.yaml:10:2: error: line ten\n"
            "b.yaml:1:1: error: later file\n");
}

TEST(Diagnostics, CountsErrorsButNotWarnings) {
  Diagnostics out;
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(out.has_errors());
  out.warning("a.yaml", {1, 1}, "only a warning");
  EXPECT_FALSE(out.has_errors());
  EXPECT_FALSE(out.empty());
  out.error("a.yaml", {1, 1}, "an error");
  Diagnostics more;
  more.error("b.yaml", {1, 1}, "another");
  out.merge(more);
  EXPECT_TRUE(out.has_errors());
  EXPECT_EQ(out.error_count(), 2u);
}

TEST(Diagnostics, KeepsEachDiagnosticOnOneLine) {
  const Diagnostic d{"a.yaml", 3, 7, Severity::error, "unknown key 'a\nb\tc\x01'"};
  EXPECT_EQ(format_text(d), "a.yaml:3:7: error: unknown key 'a\\x0ab\\x09c\\x01'");
}

TEST(Diagnostics, WritesJson) {
  Diagnostics out;
  out.error("dir/w.yaml", {3, 1}, "duplicate key 'steps' (first at 2:1)");
  out.warning("dir/w.yaml", {4, 9}, "say \"hi\" \\ there");
  EXPECT_EQ(format_json(out.sorted()),
            "[\n"
            "  {\"file\": \"dir/w.yaml\", \"line\": 3, \"column\": 1, \"severity\": \"error\", "
            "\"message\": \"duplicate key 'steps' (first at 2:1)\"},\n"
            "  {\"file\": \"dir/w.yaml\", \"line\": 4, \"column\": 9, \"severity\": \"warning\", "
            "\"message\": \"say \\\"hi\\\" \\\\ there\"}\n"
            "]\n");
  EXPECT_EQ(format_json({}), "[]\n");
}

TEST(DidYouMean, MeasuresEditsWithTranspositions) {
  EXPECT_EQ(edit_distance("steps", "steps"), 0u);
  EXPECT_EQ(edit_distance("stesp", "steps"), 1u);  // one swap, not two substitutions
  EXPECT_EQ(edit_distance("step", "steps"), 1u);
  EXPECT_EQ(edit_distance("Steps", "steps"), 0u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("ca", "abc"), 3u);  // optimal string alignment, not full Damerau
}

TEST(DidYouMean, SuggestsTheClosestCandidate) {
  const std::vector<std::string_view> keys = {"name", "description", "trigger", "steps",
                                              "on_failure"};
  EXPECT_EQ(did_you_mean("stesp", keys), "steps");
  EXPECT_EQ(did_you_mean("step", keys), "steps");
  EXPECT_EQ(did_you_mean("Name", keys), "name");
  EXPECT_EQ(did_you_mean("descripton", keys), "description");
  EXPECT_EQ(did_you_mean("on-failure", keys), "on_failure");
  EXPECT_EQ(did_you_mean("triger", keys), "trigger");
  EXPECT_EQ(did_you_mean("description_of_it", keys), std::nullopt);
  EXPECT_EQ(did_you_mean("retry", keys), std::nullopt);
  EXPECT_EQ(did_you_mean("steps", keys), std::nullopt);  // not a typo
}

TEST(DidYouMean, IsStricterForShortWords) {
  EXPECT_EQ(did_you_mean("di", {"id"}), "id");
  EXPECT_EQ(did_you_mean("on", {"id"}), std::nullopt);
  EXPECT_EQ(did_you_mean("xy", {"id", "on"}), std::nullopt);
  EXPECT_EQ(did_you_mean("usse", {"uses"}), "uses");
  // The allowed distance grows with the typed word: a third of its length, so "retention"
  // may be three edits off (and "retention_days" is five away from it).
  EXPECT_EQ(did_you_mean("retention", {"retention_days"}), std::nullopt);
  EXPECT_EQ(did_you_mean("retentiondays", {"retention_days"}), "retention_days");
}

TEST(DidYouMean, BreaksTiesByCandidateOrder) {
  EXPECT_EQ(did_you_mean("cat", {"bat", "cab"}), "bat");
  EXPECT_EQ(did_you_mean("cat", {"cab", "bat"}), "cab");
  EXPECT_EQ(did_you_mean("x", std::vector<std::string_view>{}), std::nullopt);
}

}  // namespace
}  // namespace popgate::workflows
