#include "reference/pg/pg_admin.h"

#include <pqxx/pqxx>

namespace shapesim::pg {

Result<uint64_t> execute_sql(const std::string& url, const std::string& sql, const std::vector<std::optional<std::string>>& params) {
  try {
    pqxx::connection c(url);
    pqxx::work w(c);
    // libpqxx 6 binds a fixed number of arguments: up to three here (NULL as a null pointer).
    auto arg = [&](size_t i) -> const char* { return params[i] ? params[i]->c_str() : nullptr; };
    pqxx::result r;
    switch (params.size()) {
      case 0: r = w.exec(sql); break;
      case 1: r = w.exec_params(sql, arg(0)); break;
      case 2: r = w.exec_params(sql, arg(0), arg(1)); break;
      case 3: r = w.exec_params(sql, arg(0), arg(1), arg(2)); break;
      default: return invalid_argument("execute_sql binds at most three parameters");
    }
    w.commit();
    return static_cast<uint64_t>(r.affected_rows());
  } catch (const pqxx::sql_error& e) {
    return invalid_argument(std::string("SQL: ") + e.what());
  } catch (const std::exception& e) {
    return unavailable(std::string("PostgreSQL: ") + e.what());
  }
}

}  // namespace shapesim::pg
