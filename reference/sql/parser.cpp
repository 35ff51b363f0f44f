#include "reference/sql/parser.h"

#include <cctype>
#include <set>

#include "reference/sql/lexer.h"
#include "reference/sql/where_error.h"

namespace shapesim::sql {

namespace {

// Words that cannot be column names without quotes.
const std::set<std::string> kReserved = {"and", "or", "not", "null", "true", "false", "is", "in", "like", "ilike",
                                          "between", "case", "cast", "array", "any", "all", "some", "distinct", "from",
                                          "as", "escape", "when", "then", "else", "end", "select", "where", "similar",
                                          "isnull", "notnull", "symmetric", "asymmetric", "unknown"};

class Parser {
 public:
  Parser(std::string_view text, std::vector<Token> tokens) : text_(text), t_(std::move(tokens)) {}

  Result<NodePtr> parse() {
    auto e = parse_or();
    if (!e.ok()) return e;
    if (peek().kind != Tok::kEnd) return unexpected();
    return e;
  }

 private:
  const Token& peek(size_t ahead = 0) const { return t_[std::min(i_ + ahead, t_.size() - 1)]; }
  const Token& next() { return t_[std::min(i_++, t_.size() - 1)]; }
  bool is_word(const char* w, size_t ahead = 0) const { return peek(ahead).kind == Tok::kIdent && peek(ahead).text == w; }
  bool is_op(const char* op) const { return peek().kind == Tok::kOp && peek().text == op; }
  bool accept_word(const char* w) {
    if (!is_word(w)) return false;
    ++i_;
    return true;
  }
  Status unexpected() const {
    const Token& tok = peek();
    if (tok.kind == Tok::kEnd) {
      return syntax_error(text_, tok.pos, "syntax error at end of input");
    }
    std::string text = tok.kind == Tok::kString ? "'" + tok.text + "'" : tok.kind == Tok::kParam ? "$" + tok.text : tok.text;
    return syntax_error_near(text_, text, tok.pos);
  }
  Status expect(Tok kind) {
    if (peek().kind != kind) return unexpected();
    ++i_;
    return Status::Ok();
  }
  Status expect_word(const char* w) {
    if (!accept_word(w)) return unexpected();
    return Status::Ok();
  }
  static NodePtr make(NodeKind k, size_t pos, std::string text = {}) {
    auto n = std::make_unique<Node>();
    n->kind = k;
    n->pos = pos;
    n->text = std::move(text);
    return n;
  }
  static NodePtr binary(NodeKind k, size_t pos, std::string text, NodePtr l, NodePtr r) {
    auto n = make(k, pos, std::move(text));
    n->args.push_back(std::move(l));
    n->args.push_back(std::move(r));
    return n;
  }

  // Guards against stack exhaustion on hostile nesting.
  struct Depth {
    Parser& p;
    explicit Depth(Parser& parser) : p(parser) { ++p.depth_; }
    ~Depth() { --p.depth_; }
  };
  Status check_depth() const {
    if (depth_ > 200) return semantic_error(peek().pos, "expression is nested too deeply");
    return Status::Ok();
  }

  // `a OR b OR c` is one kOr node with three arguments (likewise AND), so a long chain adds
  // one level to the tree, not one per term.
  Result<NodePtr> parse_or() {
    Depth d(*this);
    SHAPESIM_RETURN_IF_ERROR(check_depth());
    SHAPESIM_ASSIGN_OR_RETURN(NodePtr first, parse_and());
    if (!is_word("or")) return first;
    auto chain = make(NodeKind::kOr, peek().pos, "or");
    chain->args.push_back(std::move(first));
    while (is_word("or")) {
      next();
      SHAPESIM_ASSIGN_OR_RETURN(NodePtr term, parse_and());
      chain->args.push_back(std::move(term));
    }
    return chain;
  }

  Result<NodePtr> parse_and() {
    SHAPESIM_ASSIGN_OR_RETURN(NodePtr first, parse_not());
    if (!is_word("and")) return first;
    auto chain = make(NodeKind::kAnd, peek().pos, "and");
    chain->args.push_back(std::move(first));
    while (is_word("and")) {
      next();
      SHAPESIM_ASSIGN_OR_RETURN(NodePtr term, parse_not());
      chain->args.push_back(std::move(term));
    }
    return chain;
  }

  Result<NodePtr> parse_not() {
    if (is_word("not")) {
      Depth d(*this);
      SHAPESIM_RETURN_IF_ERROR(check_depth());
      size_t pos = next().pos;
      SHAPESIM_ASSIGN_OR_RETURN(NodePtr arg, parse_not());
      auto n = make(NodeKind::kNot, pos);
      n->args.push_back(std::move(arg));
      return n;
    }
    return parse_is();
  }

  Result<NodePtr> parse_is() {
    SHAPESIM_ASSIGN_OR_RETURN(NodePtr left, parse_comparison());
    while (true) {
      if (is_word("isnull") || is_word("notnull")) {
        bool negated = peek().text == "notnull";
        size_t pos = next().pos;
        auto n = make(NodeKind::kIsNull, pos);
        n->negated = negated;
        n->args.push_back(std::move(left));
        left = std::move(n);
        continue;
      }
      if (!is_word("is")) break;
      size_t pos = next().pos;
      bool negated = accept_word("not");
      if (accept_word("null")) {
        auto n = make(NodeKind::kIsNull, pos);
        n->negated = negated;
        n->args.push_back(std::move(left));
        left = std::move(n);
      } else if (is_word("true") || is_word("false") || is_word("unknown")) {
        auto n = make(NodeKind::kIsBool, pos, next().text);
        n->negated = negated;
        n->args.push_back(std::move(left));
        left = std::move(n);
      } else if (accept_word("distinct")) {
        SHAPESIM_RETURN_IF_ERROR(expect_word("from"));
        SHAPESIM_ASSIGN_OR_RETURN(NodePtr right, parse_comparison());
        auto n = binary(NodeKind::kDistinct, pos, "distinct", std::move(left), std::move(right));
        n->negated = negated;
        left = std::move(n);
      } else {
        return unexpected();
      }
    }
    return left;
  }

  static bool comparison_op(const std::string& op) {
    return op == "=" || op == "<>" || op == "!=" || op == "<" || op == "<=" || op == ">" || op == ">=";
  }

  Result<NodePtr> parse_comparison() {
    SHAPESIM_ASSIGN_OR_RETURN(NodePtr left, parse_like());
    if (peek().kind == Tok::kOp && comparison_op(peek().text)) {
      const Token& op_tok = next();
      std::string op = op_tok.text == "!=" ? "<>" : op_tok.text;
      if (is_word("any") || is_word("some") || is_word("all")) {
        SHAPESIM_ASSIGN_OR_RETURN(left, parse_any_all(std::move(left), op, op_tok.pos));
      } else {
        SHAPESIM_ASSIGN_OR_RETURN(NodePtr right, parse_like());
        left = binary(NodeKind::kBinary, op_tok.pos, op, std::move(left), std::move(right));
      }
      if (peek().kind == Tok::kOp && comparison_op(peek().text)) return unexpected();  // non-associative
    }
    return left;
  }

  Result<NodePtr> parse_any_all(NodePtr left, const std::string& op, size_t pos) {
    bool all = next().text == "all";
    SHAPESIM_RETURN_IF_ERROR(expect(Tok::kLParen));
    if (is_word("select")) return unexpected();
    SHAPESIM_ASSIGN_OR_RETURN(NodePtr arr, parse_or());
    SHAPESIM_RETURN_IF_ERROR(expect(Tok::kRParen));
    auto n = binary(NodeKind::kAnyAll, pos, op, std::move(left), std::move(arr));
    n->flag = all;
    return n;
  }

  Result<NodePtr> parse_like() {
    SHAPESIM_ASSIGN_OR_RETURN(NodePtr left, parse_other());
    size_t pos = peek().pos;
    bool negated = false;
    if (is_word("not") && (is_word("like", 1) || is_word("ilike", 1) || is_word("in", 1) || is_word("between", 1))) {
      negated = true;
      ++i_;
    }
    if (is_word("like") || is_word("ilike")) {
      bool ilike = next().text == "ilike";
      if (is_word("any") || is_word("some") || is_word("all")) {
        auto n = parse_any_all(std::move(left), ilike ? "~~*" : "~~", pos);
        if (!n.ok()) return n;
        (*n)->negated = negated;
        return n;
      }
      SHAPESIM_ASSIGN_OR_RETURN(NodePtr pattern, parse_other());
      auto n = binary(NodeKind::kLike, pos, ilike ? "ilike" : "like", std::move(left), std::move(pattern));
      n->flag = ilike;
      n->negated = negated;
      if (accept_word("escape")) {
        SHAPESIM_ASSIGN_OR_RETURN(NodePtr esc, parse_other());
        n->args.push_back(std::move(esc));
      }
      return n;
    }
    if (accept_word("in")) {
      SHAPESIM_RETURN_IF_ERROR(expect(Tok::kLParen));
      if (is_word("select")) return unexpected();
      auto n = make(NodeKind::kIn, pos);
      n->negated = negated;
      n->args.push_back(std::move(left));
      while (true) {
        SHAPESIM_ASSIGN_OR_RETURN(NodePtr item, parse_or());
        n->args.push_back(std::move(item));
        if (peek().kind == Tok::kComma) {
          ++i_;
          continue;
        }
        SHAPESIM_RETURN_IF_ERROR(expect(Tok::kRParen));
        break;
      }
      return n;
    }
    if (accept_word("between")) {
      bool symmetric = accept_word("symmetric");
      if (!symmetric) accept_word("asymmetric");
      SHAPESIM_ASSIGN_OR_RETURN(NodePtr low, parse_other());
      SHAPESIM_RETURN_IF_ERROR(expect_word("and"));
      SHAPESIM_ASSIGN_OR_RETURN(NodePtr high, parse_other());
      auto n = make(NodeKind::kBetween, pos);
      n->flag = symmetric;
      n->negated = negated;
      n->args.push_back(std::move(left));
      n->args.push_back(std::move(low));
      n->args.push_back(std::move(high));
      return n;
    }
    return left;
  }

  static bool additive_or_tighter(const std::string& op) {
    return op == "+" || op == "-" || op == "*" || op == "/" || op == "%" || op == "^";
  }

  Result<NodePtr> parse_other() {
    SHAPESIM_ASSIGN_OR_RETURN(NodePtr left, parse_additive());
    while (peek().kind == Tok::kOp && !comparison_op(peek().text) && !additive_or_tighter(peek().text)) {
      const Token& op = next();
      SHAPESIM_ASSIGN_OR_RETURN(NodePtr right, parse_additive());
      left = binary(NodeKind::kBinary, op.pos, op.text, std::move(left), std::move(right));
    }
    return left;
  }

  Result<NodePtr> parse_additive() {
    SHAPESIM_ASSIGN_OR_RETURN(NodePtr left, parse_multiplicative());
    while (is_op("+") || is_op("-")) {
      const Token& op = next();
      SHAPESIM_ASSIGN_OR_RETURN(NodePtr right, parse_multiplicative());
      left = binary(NodeKind::kBinary, op.pos, op.text, std::move(left), std::move(right));
    }
    return left;
  }

  Result<NodePtr> parse_multiplicative() {
    SHAPESIM_ASSIGN_OR_RETURN(NodePtr left, parse_power());
    while (is_op("*") || is_op("/") || is_op("%")) {
      const Token& op = next();
      SHAPESIM_ASSIGN_OR_RETURN(NodePtr right, parse_power());
      left = binary(NodeKind::kBinary, op.pos, op.text, std::move(left), std::move(right));
    }
    return left;
  }

  Result<NodePtr> parse_power() {
    SHAPESIM_ASSIGN_OR_RETURN(NodePtr left, parse_unary());
    while (is_op("^")) {
      const Token& op = next();
      SHAPESIM_ASSIGN_OR_RETURN(NodePtr right, parse_unary());
      left = binary(NodeKind::kBinary, op.pos, op.text, std::move(left), std::move(right));
    }
    return left;
  }

  Result<NodePtr> parse_unary() {
    if (is_op("-") || is_op("+")) {
      Depth d(*this);
      SHAPESIM_RETURN_IF_ERROR(check_depth());
      const Token& op = next();
      SHAPESIM_ASSIGN_OR_RETURN(NodePtr arg, parse_unary());
      // Fold "-<number literal>" into the literal (through parentheses, and twice for
      // "-(-1)"), as PostgreSQL does: so -2147483648 is an integer and -(-2147483648) a bigint.
      if (op.text == "-" && (arg->kind == NodeKind::kInteger || arg->kind == NodeKind::kNumber)) {
        arg->text = arg->text[0] == '-' ? arg->text.substr(1) : "-" + arg->text;
        arg->pos = op.pos;
        return arg;
      }
      auto n = make(NodeKind::kUnary, op.pos, op.text);
      n->args.push_back(std::move(arg));
      return n;
    }
    return parse_postfix();
  }

  Result<NodePtr> parse_postfix() {
    SHAPESIM_ASSIGN_OR_RETURN(NodePtr e, parse_primary());
    while (true) {
      if (peek().kind == Tok::kCast) {
        size_t pos = next().pos;
        auto n = make(NodeKind::kCast, pos);
        SHAPESIM_RETURN_IF_ERROR(parse_type(*n));
        n->args.push_back(std::move(e));
        e = std::move(n);
      } else if (peek().kind == Tok::kLBracket) {
        size_t pos = next().pos;
        SHAPESIM_ASSIGN_OR_RETURN(NodePtr index, parse_or());
        if (peek().kind == Tok::kOp && peek().text == ":") return unexpected();
        SHAPESIM_RETURN_IF_ERROR(expect(Tok::kRBracket));
        e = binary(NodeKind::kSubscript, pos, "[]", std::move(e), std::move(index));
      } else {
        return e;
      }
    }
  }

  // Type names: one or more words ("double precision", "timestamp with time zone"), an
  // optional modifier list "(p[, s])", and any number of "[]".
  Status parse_type(Node& n) {
    if (peek().kind != Tok::kIdent && peek().kind != Tok::kQuotedIdent) return unexpected();
    size_t pos = peek().pos;
    std::string name = next().text;
    if (name == "double" && accept_word("precision")) name = "double precision";
    if (name == "character" && accept_word("varying")) name = "character varying";
    if ((name == "timestamp" || name == "time") && (is_word("with") || is_word("without"))) {
      bool with = next().text == "with";
      SHAPESIM_RETURN_IF_ERROR(expect_word("time"));
      SHAPESIM_RETURN_IF_ERROR(expect_word("zone"));
      name += with ? " with time zone" : " without time zone";
      if (name == "time with time zone") {
        return semantic_error(pos, "type \"time with time zone\" is not supported");
      }
    }
    auto id = parse_type_name(name);
    if (!id) return semantic_error(pos, "type \"" + name + "\" does not exist");
    n.type = SqlType{*id, false};
    if (peek().kind == Tok::kLParen) {
      ++i_;
      std::vector<int> mods;
      while (true) {
        if (peek().kind != Tok::kInteger) return unexpected();
        mods.push_back(std::stoi(next().text.substr(0, 9)));
        if (peek().kind == Tok::kComma) {
          ++i_;
          continue;
        }
        SHAPESIM_RETURN_IF_ERROR(expect(Tok::kRParen));
        break;
      }
      if (*id == TypeId::kNumeric) {
        if (mods.size() > 2 || mods[0] < 1 || mods[0] > 1000 || (mods.size() == 2 && (mods[1] < 0 || mods[1] > mods[0]))) {
          return semantic_error(pos, "invalid NUMERIC type modifier");
        }
        n.typmod = mods.size() == 2 ? mods[1] : 0;
        n.flag = true;  // precision given
        n.index = mods[0];
      } else if (*id == TypeId::kVarchar) {
        if (mods.size() != 1 || mods[0] < 1) return semantic_error(pos, "length for type varchar must be at least 1");
        n.typmod = mods[0];
      } else {
        return semantic_error(pos, "type modifier is not allowed for type \"" + name + "\"");
      }
    }
    while (peek().kind == Tok::kLBracket) {
      ++i_;
      if (peek().kind == Tok::kInteger) ++i_;
      SHAPESIM_RETURN_IF_ERROR(expect(Tok::kRBracket));
      n.type.array = true;
    }
    return Status::Ok();
  }

  Result<NodePtr> parse_primary() {
    const Token& tok = peek();
    switch (tok.kind) {
      case Tok::kInteger: {
        ++i_;
        return make(NodeKind::kInteger, tok.pos, tok.text);
      }
      case Tok::kNumber: {
        ++i_;
        return make(NodeKind::kNumber, tok.pos, tok.text);
      }
      case Tok::kString: {
        ++i_;
        return make(NodeKind::kString, tok.pos, tok.text);
      }
      case Tok::kParam: {
        ++i_;
        auto n = make(NodeKind::kParam, tok.pos, tok.text);
        n->index = tok.text.size() > 6 ? 1000000 : std::stoi(tok.text);
        return n;
      }
      case Tok::kQuotedIdent: {
        ++i_;
        if (peek().kind == Tok::kDot) return unexpected();
        return make(NodeKind::kColumn, tok.pos, tok.text);
      }
      case Tok::kLParen: {
        Depth d(*this);
        SHAPESIM_RETURN_IF_ERROR(check_depth());
        ++i_;
        if (is_word("select")) return unexpected();
        SHAPESIM_ASSIGN_OR_RETURN(NodePtr inner, parse_or());
        SHAPESIM_RETURN_IF_ERROR(expect(Tok::kRParen));
        return inner;
      }
      case Tok::kIdent:
        return parse_word();
      default:
        return unexpected();
    }
  }

  Result<NodePtr> parse_word() {
    const Token tok = peek();
    const std::string& w = tok.text;
    if (w == "true" || w == "false") {
      ++i_;
      auto n = make(NodeKind::kBool, tok.pos, w);
      n->flag = w == "true";
      return n;
    }
    if (w == "null") {
      ++i_;
      return make(NodeKind::kNull, tok.pos);
    }
    if (w == "cast") {
      ++i_;
      SHAPESIM_RETURN_IF_ERROR(expect(Tok::kLParen));
      SHAPESIM_ASSIGN_OR_RETURN(NodePtr arg, parse_or());
      SHAPESIM_RETURN_IF_ERROR(expect_word("as"));
      auto n = make(NodeKind::kCast, tok.pos);
      SHAPESIM_RETURN_IF_ERROR(parse_type(*n));
      SHAPESIM_RETURN_IF_ERROR(expect(Tok::kRParen));
      n->args.push_back(std::move(arg));
      return n;
    }
    if (w == "array") {
      ++i_;
      if (peek().kind == Tok::kLParen) return unexpected();  // ARRAY(subquery)
      SHAPESIM_RETURN_IF_ERROR(expect(Tok::kLBracket));
      auto n = make(NodeKind::kArray, tok.pos);
      if (peek().kind != Tok::kRBracket) {
        while (true) {
          if (peek().kind == Tok::kLBracket) return semantic_error(peek().pos, "multidimensional arrays are not supported");
          SHAPESIM_ASSIGN_OR_RETURN(NodePtr item, parse_or());
          n->args.push_back(std::move(item));
          if (peek().kind == Tok::kComma) {
            ++i_;
            continue;
          }
          break;
        }
      }
      SHAPESIM_RETURN_IF_ERROR(expect(Tok::kRBracket));
      return n;
    }
    // Typed literals: DATE '...', TIMESTAMP '...', INT '...', DOUBLE PRECISION '...'
    if (peek(1).kind == Tok::kString || (w == "double" && is_word("precision", 1) && peek(2).kind == Tok::kString) ||
        ((w == "timestamp" || w == "time") && (is_word("with", 1) || is_word("without", 1)))) {
      size_t save = i_;
      auto n = make(NodeKind::kTypedLiteral, tok.pos);
      Status st = parse_type(*n);
      if (st.ok() && peek().kind == Tok::kString) {
        n->text = next().text;
        n->kind = NodeKind::kCast;
        n->args.push_back(make(NodeKind::kString, tok.pos, n->text));
        return n;
      }
      if (!st.ok() && parse_type_name(w)) return st;
      i_ = save;
    }
    if (kReserved.count(w)) return unexpected();
    ++i_;
    if (peek().kind == Tok::kLParen) {
      ++i_;
      auto n = make(NodeKind::kFunc, tok.pos, w);
      if (is_word("distinct") || is_op("*")) return unexpected();
      if (peek().kind != Tok::kRParen) {
        while (true) {
          SHAPESIM_ASSIGN_OR_RETURN(NodePtr arg, parse_or());
          n->args.push_back(std::move(arg));
          if (peek().kind == Tok::kComma) {
            ++i_;
            continue;
          }
          break;
        }
      }
      SHAPESIM_RETURN_IF_ERROR(expect(Tok::kRParen));
      return n;
    }
    if (peek().kind == Tok::kDot) {
      return semantic_error(tok.pos, "qualified column names are not supported: write the column name alone");
    }
    // Keyword-like niladic functions PostgreSQL accepts without parentheses.
    if (w == "current_timestamp" || w == "current_date" || w == "current_time" || w == "localtime" ||
        w == "localtimestamp" || w == "current_user" || w == "session_user") {
      return make(NodeKind::kFunc, tok.pos, w);
    }
    return make(NodeKind::kColumn, tok.pos, w);
  }

  std::string_view text_;  // the WHERE clause, for error locations
  std::vector<Token> t_;
  size_t i_ = 0;
  int depth_ = 0;
};

}  // namespace

Result<NodePtr> parse_where(std::string_view text) {
  SHAPESIM_ASSIGN_OR_RETURN(std::vector<Token> tokens, lex(text));
  Parser p(text, std::move(tokens));
  SHAPESIM_ASSIGN_OR_RETURN(NodePtr tree, p.parse());
  // Every later walk (checker, folder, evaluator) recurses over the tree: bound its height
  // here, so no input can exhaust the stack (`id+id+...+id` builds one level per term).
  if (tree_height(*tree) > kMaxExpressionHeight) {
    return semantic_error(0, "expression is nested too deeply (more than " + std::to_string(kMaxExpressionHeight) +
                                 " levels)");
  }
  return tree;
}

}  // namespace shapesim::sql
