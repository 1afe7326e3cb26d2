#include "core/search/tokenize.hpp"

#include <unicode/brkiter.h>
#include <unicode/normalizer2.h>
#include <unicode/translit.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <memory>
#include <mutex>
#include <stdexcept>
#include <unordered_map>
#include <vector>

namespace eductl::search {
namespace {

bool is_cjk(UChar32 c) {
  return (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF) ||
         (c >= 0x20000 && c <= 0x3FFFF) || (c >= 0x3040 && c <= 0x30FF) || (c >= 0xAC00 && c <= 0xD7AF) ||
         c == 0x3007;
}

const std::unordered_map<UChar32, std::string>* g_variants = nullptr;  // set once by use_cjk_variant_table

// ICU objects are costly to create and not thread-safe to share: one set per thread,
// with a per-character cache (a text repeats the same few thousand characters).
class Normaliser {
 public:
  Normaliser() {
    UErrorCode status = U_ZERO_ERROR;
    m_nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(status);
    if (U_FAILURE(status)) throw std::runtime_error("ICU NFKC_Casefold unavailable");
    m_words.reset(icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
    if (U_FAILURE(status)) throw std::runtime_error("ICU word break iterator unavailable");
  }

  const std::string& cjk(UChar32 c) {
    auto it = m_cache.find(c);
    if (it != m_cache.end()) return it->second;
    if (g_variants) {
      if (auto v = g_variants->find(c); v != g_variants->end()) return m_cache.emplace(c, v->second).first->second;
    }
    UErrorCode status = U_ZERO_ERROR;
    icu::UnicodeString s = m_nfkc_cf->normalize(icu::UnicodeString(c), status);
    if (U_FAILURE(status)) s = icu::UnicodeString(c);
    if (!g_variants) t2s().transliterate(s);
    std::string out;
    s.toUTF8String(out);
    return m_cache.emplace(c, std::move(out)).first->second;
  }

  // Set up on first use only: a process with a variant table never pays for it.
  icu::Transliterator& t2s() {
    if (!m_t2s) {
      UErrorCode status = U_ZERO_ERROR;
      m_t2s.reset(icu::Transliterator::createInstance("Traditional-Simplified", UTRANS_FORWARD, status));
      if (U_FAILURE(status) || !m_t2s) throw std::runtime_error("ICU Traditional-Simplified transliterator unavailable");
    }
    return *m_t2s;
  }

  std::string word(const icu::UnicodeString& w) {
    UErrorCode status = U_ZERO_ERROR;
    icu::UnicodeString s = m_nfkc_cf->normalize(w, status);
    if (U_FAILURE(status)) s = w;
    std::string out;
    s.toUTF8String(out);
    return out;
  }

  icu::BreakIterator& words() { return *m_words; }

 private:
  const icu::Normalizer2* m_nfkc_cf = nullptr;
  std::unique_ptr<icu::Transliterator> m_t2s;
  std::unique_ptr<icu::BreakIterator> m_words;
  std::unordered_map<UChar32, std::string> m_cache;
};

Normaliser& normaliser() {
  thread_local Normaliser n;
  return n;
}

struct Char {
  UChar32 cp;
  std::size_t begin, end;  // bytes in the original
};

class Emitter {
 public:
  Emitter(TokenMode mode, const std::function<bool(const Token&)>& emit) : m_mode(mode), m_emit(emit) {}

  bool add_cjk(const Char& c) { return (m_run.push_back(c), true); }

  bool flush_run() {
    Normaliser& n = normaliser();
    const std::size_t k = m_run.size();
    bool go = true;
    for (std::size_t i = 0; go && i < k; ++i) {
      const std::string& uni = n.cjk(m_run[i].cp);
      if (m_mode == TokenMode::document || k == 1) go = m_emit(Token{uni, m_run[i].begin, m_run[i].end, false});
      if (go && i + 1 < k) {
        Token bi{uni + n.cjk(m_run[i + 1].cp), m_run[i].begin, m_run[i + 1].end, m_mode == TokenMode::document};
        go = m_emit(bi);
      }
    }
    m_run.clear();
    return go;
  }

  bool word(const icu::UnicodeString& w, std::size_t begin, std::size_t end) {
    if (w.isEmpty()) return true;
    std::string t = normaliser().word(w);
    if (t.empty()) return true;
    return m_emit(Token{std::move(t), begin, end, false});
  }

 private:
  TokenMode m_mode;
  const std::function<bool(const Token&)>& m_emit;
  std::vector<Char> m_run;
};

}  // namespace

bool tokenize(std::string_view utf8, TokenMode mode, const std::function<bool(const Token&)>& emit) {
  // Decode once, remembering each UTF-16 unit's byte offset in the original.
  icu::UnicodeString text;
  std::vector<std::size_t> offset;  // UTF-16 index -> byte offset; one extra at the end
  offset.reserve(utf8.size() + 1);
  const auto* bytes = reinterpret_cast<const uint8_t*>(utf8.data());
  const auto length = static_cast<int32_t>(utf8.size());
  for (int32_t i = 0; i < length;) {
    const int32_t start = i;
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    if (c < 0) c = 0x20;  // an invalid sequence separates tokens
    const int32_t units = U16_LENGTH(c);
    for (int32_t u = 0; u < units; ++u) offset.push_back(static_cast<std::size_t>(start));
    text.append(c);
  }
  offset.push_back(utf8.size());

  Normaliser& n = normaliser();
  icu::BreakIterator& bi = n.words();
  bi.setText(text);
  Emitter out(mode, emit);
  int32_t start = bi.first();
  for (int32_t end = bi.next(); end != icu::BreakIterator::DONE; start = end, end = bi.next()) {
    if (bi.getRuleStatus() < UBRK_WORD_NONE_LIMIT) {  // spaces and punctuation
      if (!out.flush_run()) return false;
      continue;
    }
    icu::UnicodeString word;
    int32_t word_begin = -1, word_end = -1;
    for (int32_t i = start; i < end;) {
      const int32_t at = i;
      const UChar32 c = text.char32At(i);
      i += U16_LENGTH(c);
      if (is_cjk(c)) {
        if (!out.word(word, word_begin < 0 ? 0 : offset[word_begin], offset[word_end < 0 ? 0 : word_end])) return false;
        word.remove();
        word_begin = -1;
        out.add_cjk(Char{c, offset[at], offset[i]});
      } else {
        if (!out.flush_run()) return false;
        if (word_begin < 0) word_begin = at;
        word_end = i;
        word.append(c);
      }
    }
    if (!out.word(word, word_begin < 0 ? 0 : offset[word_begin], offset[word_end < 0 ? 0 : word_end])) return false;
  }
  return out.flush_run();
}

std::string build_cjk_variant_table() {
  Normaliser& n = normaliser();
  std::string table;
  auto add_range = [&](UChar32 from, UChar32 to) {
    for (UChar32 c = from; c <= to; ++c) {
      std::string self;
      icu::UnicodeString(c).toUTF8String(self);
      const std::string& norm = n.cjk(c);
      if (norm != self) table += self + '\t' + norm + '\n';
    }
  };
  add_range(0x3040, 0x30FF);
  add_range(0x3400, 0x4DBF);
  add_range(0x4E00, 0x9FFF);
  add_range(0xF900, 0xFAFF);
  return table;
}

void use_cjk_variant_table(std::string_view table) {
  static std::unordered_map<UChar32, std::string> map;
  static std::once_flag once;
  std::call_once(once, [&] {
    for (std::size_t pos = 0; pos < table.size();) {
      std::size_t nl = table.find('\n', pos);
      if (nl == std::string_view::npos) nl = table.size();
      const std::string_view line = table.substr(pos, nl - pos);
      pos = nl + 1;
      const std::size_t tab = line.find('\t');
      if (tab == std::string_view::npos || tab == 0) continue;
      int32_t i = 0;
      UChar32 c;
      U8_NEXT(reinterpret_cast<const uint8_t*>(line.data()), i, static_cast<int32_t>(tab), c);
      if (c >= 0 && i == static_cast<int32_t>(tab)) map[c] = std::string(line.substr(tab + 1));
    }
    g_variants = &map;
  });
}

std::string normalise_for_display(std::string_view utf8, TokenMode mode) {
  std::string out;
  tokenize(utf8, mode, [&](const Token& t) {
    if (!out.empty()) out += ' ';
    out += t.text;
    return true;
  });
  return out;
}

}  // namespace eductl::search
