#include "reports/markup.h"

namespace h2sim {

std::string escape_xml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string escape_dot(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string_view svg_element(std::string_view svg) {
  size_t start = svg.find("<svg");
  return start == std::string_view::npos ? std::string_view() : svg.substr(start);
}

std::string page_start(std::string_view title, std::string_view style) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + escape_xml(title) +
         "</title>\n<style>"
         "body{font-family:Helvetica,Arial,sans-serif;margin:2em;max-width:1200px;color:#222}"
         "pre{background:#f6f6f6;padding:1em;overflow-x:auto;font-size:12px}"
         ".pass{color:#080;font-weight:bold}.fail{color:#c00;font-weight:bold}"
         "figure{display:inline-block;margin:1em;vertical-align:top}svg{max-width:100%;height:auto}"
         "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top;"
         "font-size:13px;text-align:left}" +
         std::string(style) + "</style></head><body>\n";
}

}  // namespace h2sim
