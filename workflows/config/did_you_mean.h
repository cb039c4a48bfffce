// Spelling suggestions for unknown names: "unknown key 'stesp' (did you mean 'steps'?)".
#ifndef POPGATE_WORKFLOWS_CONFIG_DID_YOU_MEAN_H_
#define POPGATE_WORKFLOWS_CONFIG_DID_YOU_MEAN_H_

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace popgate::workflows {

// Edits (insertions, deletions, substitutions and transpositions of neighbours) between `a`
// and `b`: the optimal-string-alignment form of Damerau-Levenshtein, since the typos worth
// catching are a slipped finger or two swapped keys. Counted in bytes, ignoring ASCII case.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word`, when it is close enough to be what was meant: at most one
// edit for words of up to three characters (so "id" never suggests "on"), otherwise at most
// two edits or a third of the word's length, whichever is more. Ties go to the candidate
// listed first. A candidate equal to `word` is never suggested.
std::optional<std::string> did_you_mean(std::string_view word,
                                        std::span<const std::string_view> candidates);
std::optional<std::string> did_you_mean(std::string_view word,
                                        std::initializer_list<std::string_view> candidates);

}  // namespace popgate::workflows

#endif  // POPGATE_WORKFLOWS_CONFIG_DID_YOU_MEAN_H_
