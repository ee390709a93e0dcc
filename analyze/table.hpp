// Rows of cells printed as an aligned text table or as CSV (RFC 4180 quoting).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace amqpprox::analyze {

class Table {
public:
    explicit Table(std::vector<std::string> header) : m_header(std::move(header)) {}

    void add(std::vector<std::string> row) { m_rows.push_back(std::move(row)); }
    bool empty() const { return m_rows.empty(); }

    // Columns padded to their widest cell, two spaces apart; the last column is not padded.
    void print_text(std::ostream& out) const;
    void print_csv(std::ostream& out) const;

private:
    std::vector<std::string> m_header;
    std::vector<std::vector<std::string>> m_rows;
};

}  // namespace amqpprox::analyze
