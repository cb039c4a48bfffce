// write_table: a CSV of ours (e.g. match_persons' result.csv) in the table format a client's
// system reads back: its separator, encoding, line ends and quoting, its choice and names of
// columns, or fixed-width lines. Streams: a 10-million-row result takes no more memory than a
// small one. A value the format cannot hold fails the job with a reason the client may read,
// unless the workflow says to replace or truncate it.
#include <fstream>

#include "adapters/formats/format_error.h"
#include "adapters/formats/table_conversion.h"
#include "steps/builtin_steps.h"
#include "steps/param_spec.h"
#include "steps/step_files.h"
#include "workflows/config/did_you_mean.h"

namespace popgate::workflows::steps {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void bad_param(const StepContext& context, const std::string& why) {
  throw StepError("step " + context.step_id + ": " + why, false);
}

char separator_named(const std::string& name, char keep) {
  if (name == "keep") return keep;
  return name == "tab" ? '\t' : name.front();
}

// How messages name the file read: the `file` parameter, or the job's input.
std::string input_name(const StepContext& context) {
  const auto it = context.params.find("file");
  if (it != context.params.end() && !it->second.empty()) return it->second;
  return "the job's input (" + context.input_file.filename().string() + ")";
}

const std::vector<std::string>& list_param(const StepContext& context, const std::string& name) {
  static const std::vector<std::string> kNone;
  const auto it = context.lists.find(name);
  return it == context.lists.end() ? kNone : it->second;
}

std::vector<formats::FixedWidthField> fixed_width_layout(const StepContext& context) {
  std::vector<formats::FixedWidthField> layout;
  for (const std::string& item : list_param(context, "fixed_width")) {
    const std::optional<formats::FixedWidthField> field = formats::parse_fixed_width_field(item);
    if (!field) {
      bad_param(context,
                "fixed_width item '" + item + "' is not COLUMN:START:LENGTH (characters, from 1)");
    }
    layout.push_back(*field);
  }
  if (const std::string problem = formats::fixed_width_layout_problem(layout); !problem.empty())
    bad_param(context, "fixed_width: " + problem);
  return layout;
}

// The parameters, checked before the file is opened.
formats::TableConversion conversion_of(const StepContext& context) {
  formats::TableConversion conversion;
  conversion.input_separator = separator_named(context.param("input_separator"), ';');
  formats::TableFormat& format = conversion.format;
  format.separator = separator_named(context.param("separator"), conversion.input_separator);
  const auto encoding = formats::parse_output_encoding(context.param("encoding"));
  if (!encoding) bad_param(context, "encoding '" + context.param("encoding") + "' is unknown");
  format.encoding = *encoding;
  const auto unmappable = formats::parse_unmappable(context.param("unmappable"));
  if (!unmappable)
    bad_param(context, "unmappable '" + context.param("unmappable") + "' is unknown");
  format.unmappable = *unmappable;
  format.line_ending =
      context.param("line_ending") == "lf" ? formats::LineEnding::lf : formats::LineEnding::crlf;
  format.quoting =
      context.param("quote") == "always" ? formats::Quoting::always : formats::Quoting::needed;
  format.overflow = context.param("overflow") == "truncate" ? formats::Overflow::truncate
                                                            : formats::Overflow::fail;
  format.fixed_width = fixed_width_layout(context);
  conversion.header = context.param("header") == "true";
  conversion.columns = list_param(context, "columns");
  for (const std::string& item : conversion.columns) {
    if (const std::string problem = formats::column_item_problem(item); !problem.empty())
      bad_param(context, problem + " (write COLUMN or COLUMN=Header)");
  }
  if (!conversion.columns.empty() && !format.fixed_width.empty())
    bad_param(context, "give columns or fixed_width, not both: fixed_width names the columns");
  return conversion;
}

std::string unknown_column_message(const StepContext& context,
                                   const formats::UnknownColumn& unknown) {
  const std::vector<std::string_view> names(unknown.available().begin(), unknown.available().end());
  std::string text = "step " + context.step_id + ": no column '" + unknown.column() + "' in " +
                     input_name(context);
  if (const auto hint = did_you_mean(unknown.column(), names))
    text += " (did you mean '" + *hint + "'?)";
  text += "; its columns:";
  for (const std::string_view name : names)
    text += " " + std::string(name);
  return text;
}

formats::ConversionSummary convert(const StepContext& context,
                                   const formats::TableConversion& conversion,
                                   const fs::path& input, const fs::path& output) {
  std::ifstream in(input, std::ios::binary);
  if (!in) bad_param(context, "cannot open " + input_name(context));
  OutputFile out(output);
  const formats::ConversionSummary summary = formats::convert_table(
      in, out.stream(), conversion, [&context] { return context.should_stop(); });
  out.commit();
  return summary;
}

// What the client is told when its result cannot be written in its format: where, why, and
// that the format can be changed.
std::string client_message(const formats::ValueConversionError& e) {
  const std::string where =
      e.row() == 0 ? "the header" : "row " + std::to_string(e.row()) + " of the result";
  return "your result cannot be written in the format set for you: " + where + ", column '" +
         e.column() + "': " + e.reason() +
         ". Ask the register authority to change the format (e.g. UTF-8, replacing such "
         "characters, or wider fields).";
}

StepOutputs run_write_table(StepContext& context) {
  const formats::TableConversion conversion = conversion_of(context);
  const fs::path input = work_file_or_input(context, "file");
  const fs::path output = context.work_dir / context.param("to");
  if (output.lexically_normal() == input.lexically_normal())
    bad_param(context, "'to' is the file being read: give it another name");
  std::error_code ec;
  fs::create_directories(output.parent_path(), ec);
  if (ec) throw StepError("cannot create " + output.parent_path().string(), true);
  formats::ConversionSummary summary;
  try {
    summary = convert(context, conversion, input, output);
  } catch (const formats::ValueConversionError& e) {
    throw StepError("step " + context.step_id + ": " + input_name(context) + ": " + e.what(), false,
                    client_message(e));
  } catch (const formats::UnknownColumn& e) {
    throw StepError(unknown_column_message(context, e), false);
  } catch (const formats::FormatError& e) {
    bad_param(context, input_name(context) + " is not a CSV we can convert: " + e.what());
  } catch (const std::invalid_argument& e) {
    bad_param(context, e.what());
  } catch (const formats::ConversionCancelled&) {
    throw StepError("step " + context.step_id + ": stopped", true);
  } catch (const std::ios_base::failure&) {
    throw StepError("step " + context.step_id + ": cannot write " + context.param("to"), true);
  }
  if (context.log) {
    context.log("wrote " + std::to_string(summary.rows) + " rows to " + context.param("to") + " (" +
                context.param("encoding") + "); " + std::to_string(summary.replaced) +
                " values with characters replaced, " + std::to_string(summary.truncated) +
                " truncated");
  }
  return StepOutputs{{"path", context.param("to")},
                     {"rows", std::to_string(summary.rows)},
                     {"replaced", std::to_string(summary.replaced)},
                     {"truncated", std::to_string(summary.truncated)}};
}

ParamSpec choice(std::string name, std::string default_value, std::vector<std::string> allowed,
                 std::string description) {
  ParamSpec spec = param_spec(std::move(name), ParamType::string, false, std::move(default_value),
                              std::move(description));
  spec.allowed = std::move(allowed);
  return spec;
}

ParamSpec checked(ParamSpec spec, std::function<std::string(const std::string&)> check) {
  spec.check = std::move(check);
  return spec;
}

std::string fixed_width_item_problem(const std::string& item) {
  if (formats::parse_fixed_width_field(item)) return "";
  return "not COLUMN:START:LENGTH (characters, from 1)";
}

std::vector<ParamSpec> write_table_params() {
  return {
      param_spec("file", ParamType::path, false, "",
                 "The CSV to convert, in the work dir (UTF-8 with a header row, e.g. "
                 "${steps.match.result}); empty: the job's input."),
      param_spec("to", ParamType::path, false, "table/result.csv",
                 "The converted file's path in the work dir; `archive` stores it under its "
                 "file name."),
      choice("input_separator", ";", {";", ",", "tab"}, "The separator of `file`."),
      choice("separator", "keep", {"keep", ";", ",", "tab"},
             "The separator written; keep: the input's."),
      choice("encoding", "utf-8", {"utf-8", "utf-8-bom", "windows-1252", "iso-8859-1"},
             "The encoding written; utf-8-bom starts the file with a byte order mark (which "
             "Excel needs to see UTF-8)."),
      choice("unmappable", "fail", {"fail", "replace", "transliterate"},
             "A character the encoding lacks: fail (the job fails, telling the client the row, "
             "column and character), replace (written as '?'), or transliterate (a letter "
             "without its accent, e.g. Ł as L, č as c, Œ as OE; typographic quotes and dashes "
             "as ASCII ones, € as EUR, … as ...; anything else as '?'). Also a line break in "
             "a fixed-width value: fail, or written as a space."),
      choice("line_ending", "crlf", {"crlf", "lf"}, "The line end of every record."),
      choice("quote", "needed", {"needed", "always"},
             "needed: only fields holding the separator, a '\"' or a line break are quoted "
             "(RFC 4180); always: every field."),
      param_spec("header", ParamType::boolean, false, "true",
                 "Whether the first line names the columns (CSV only)."),
      checked(param_spec("columns", ParamType::string_list, false, "",
                         "The columns written, in this order: COLUMN or COLUMN=Header to write "
                         "it under another name, e.g. [client_ref=Asiakasnro, outcome, "
                         "identity.hetu=Henkilötunnus]; empty: all, as they are. A column not "
                         "in the file fails the step."),
              formats::column_item_problem),
      checked(param_spec("fixed_width", ParamType::string_list, false, "",
                         "Fixed-width lines instead of CSV: COLUMN:START:LENGTH per field "
                         "(characters, from 1), e.g. [client_ref:1:10, outcome:11:22]; values "
                         "are left-aligned and padded with spaces, gaps are spaces, there is no "
                         "header line."),
              fixed_width_item_problem),
      choice("overflow", "fail", {"fail", "truncate"},
             "A value longer than its fixed-width field: fail (the job fails, telling the "
             "client the row and column) or truncate (cut to the field's length)."),
  };
}

}  // namespace

StepType write_table_step() {
  StepType type;
  type.name = "write_table";
  type.summary = "Writes a result CSV in the client's table format (separator, encoding, columns)";
  type.description =
      "Converts `file`, a UTF-8 CSV with a header row such as match_persons' result.csv, into "
      "the format a client's system reads: its separator, encoding (UTF-8 with or without a "
      "byte order mark, Windows-1252, ISO-8859-1), line ends, quoting, the columns it wants "
      "under its own names, or fixed-width lines. With the defaults the file is written as "
      "it is. Streams, so memory does not depend on the file's size; the file appears whole "
      "or not at all. A value the format cannot hold (a character the encoding lacks, a value "
      "longer than its fixed-width field) fails the job with the row, column and reason for "
      "the client, unless `unmappable` or `overflow` says otherwise; a malformed input line "
      "fails it with the line.";
  type.params = write_table_params();
  type.outputs = {{"path", "The written file's path in the work dir."},
                  {"rows", "Data rows written (the header not counted)."},
                  {"replaced", "Values in which a character was replaced or transliterated."},
                  {"truncated", "Fixed-width values cut to their field's length."}};
  type.run = [](StepContext& context) { return run_write_table(context); };
  return type;
}

}  // namespace popgate::workflows::steps
