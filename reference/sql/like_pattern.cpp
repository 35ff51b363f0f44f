#include "reference/sql/like_pattern.h"

#include "reference/sql/utf8.h"

#include <algorithm>

namespace shapesim::sql {

namespace {

char fold(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }


bool literal_at(std::string_view text, size_t pos, const std::string& lit, bool fold_case) {
  if (pos + lit.size() > text.size()) return false;
  if (!fold_case) return text.compare(pos, lit.size(), lit) == 0;
  for (size_t i = 0; i < lit.size(); ++i) {
    if (fold(text[pos + i]) != lit[i]) return false;
  }
  return true;
}

size_t find_literal(std::string_view text, size_t from, const std::string& lit, bool fold_case) {
  if (!fold_case) return text.find(lit, from);
  for (size_t p = from; p + lit.size() <= text.size(); ++p) {
    if (literal_at(text, p, lit, true)) return p;
  }
  return std::string_view::npos;
}

}  // namespace

Result<LikePattern> LikePattern::compile(std::string_view pattern, std::optional<char> escape, bool case_insensitive) {
  LikePattern p;
  p.fold_ = case_insensitive;
  for (size_t i = 0; i < pattern.size();) {
    char c = pattern[i];
    if (escape && c == *escape) {
      if (i + 1 >= pattern.size()) return invalid_argument("LIKE pattern must not end with escape character");
      size_t n = utf8_length(static_cast<unsigned char>(pattern[i + 1]));
      std::string lit(pattern.substr(i + 1, n));
      if (p.pieces_.empty() || p.pieces_.back().kind != Piece::kLiteral) p.pieces_.push_back({Piece::kLiteral, ""});
      p.pieces_.back().literal += lit;
      i += 1 + n;
    } else if (c == '%') {
      if (p.pieces_.empty() || p.pieces_.back().kind != Piece::kAny) p.pieces_.push_back({Piece::kAny, ""});
      ++i;
    } else if (c == '_') {
      p.pieces_.push_back({Piece::kOne, ""});
      ++i;
    } else {
      size_t n = utf8_length(static_cast<unsigned char>(c));
      if (p.pieces_.empty() || p.pieces_.back().kind != Piece::kLiteral) p.pieces_.push_back({Piece::kLiteral, ""});
      p.pieces_.back().literal += std::string(pattern.substr(i, n));
      i += n;
    }
  }
  if (case_insensitive) {
    for (auto& piece : p.pieces_) {
      for (auto& ch : piece.literal) ch = fold(ch);
    }
  }
  const auto& ps = p.pieces_;
  auto lit = [&](size_t i) { return ps[i].kind == Piece::kLiteral; };
  auto any = [&](size_t i) { return ps[i].kind == Piece::kAny; };
  if (ps.size() == 1 && lit(0)) {
    p.shape_ = Shape::kExact, p.literal_ = ps[0].literal;
  } else if (ps.size() == 2 && lit(0) && any(1)) {
    p.shape_ = Shape::kPrefix, p.literal_ = ps[0].literal;
  } else if (ps.size() == 2 && any(0) && lit(1)) {
    p.shape_ = Shape::kSuffix, p.literal_ = ps[1].literal;
  } else if (ps.size() == 3 && any(0) && lit(1) && any(2)) {
    p.shape_ = Shape::kContains, p.literal_ = ps[1].literal;
  } else if (ps.size() == 1 && any(0)) {
    p.shape_ = Shape::kContains, p.literal_.clear();
  }
  return p;
}

bool LikePattern::matches(std::string_view text) const {
  if (fold_ && shape_ != Shape::kGeneral) {
    // Fold the text once, then match case-sensitively against the folded literal.
    thread_local std::string folded;
    folded.assign(text);
    for (auto& c : folded) c = fold(c);
    text = folded;
    switch (shape_) {
      case Shape::kExact: return text == literal_;
      case Shape::kPrefix: return text.substr(0, literal_.size()) == literal_;
      case Shape::kSuffix: return text.size() >= literal_.size() && text.substr(text.size() - literal_.size()) == literal_;
      case Shape::kContains: return text.find(literal_) != std::string_view::npos;
      case Shape::kGeneral: break;
    }
  }
  switch (shape_) {
    case Shape::kExact: return text.size() == literal_.size() && literal_at(text, 0, literal_, fold_);
    case Shape::kPrefix: return literal_at(text, 0, literal_, fold_);
    case Shape::kSuffix:
      return text.size() >= literal_.size() && literal_at(text, text.size() - literal_.size(), literal_, fold_);
    case Shape::kContains: return literal_.empty() || find_literal(text, 0, literal_, fold_) != std::string_view::npos;
    case Shape::kGeneral: return match_general(text);
  }
  return false;
}

// Greedy matching with one backtrack point per '%' (the classic wildcard algorithm): linear
// in practice, O(n*m) worst case, never exponential.
bool LikePattern::match_general(std::string_view text) const {
  size_t pi = 0, ti = 0;
  size_t star_pi = std::string_view::npos, star_ti = 0;
  while (true) {
    if (pi < pieces_.size()) {
      const Piece& p = pieces_[pi];
      if (p.kind == Piece::kAny) {
        star_pi = pi++;
        star_ti = ti;
        continue;
      }
      if (p.kind == Piece::kOne && ti < text.size()) {
        ti += utf8_length(static_cast<unsigned char>(text[ti]));
        ++pi;
        continue;
      }
      if (p.kind == Piece::kLiteral && literal_at(text, ti, p.literal, fold_)) {
        ti += p.literal.size();
        ++pi;
        continue;
      }
    } else if (ti >= text.size()) {
      return true;
    }
    if (star_pi == std::string_view::npos || star_ti >= text.size()) return false;
    star_ti += utf8_length(static_cast<unsigned char>(text[star_ti]));
    pi = star_pi + 1;
    ti = star_ti;
  }
}

}  // namespace shapesim::sql
