// One way to parse the untrusted XML of an EPUB (container.xml, the package document,
// content documents): libxml2 with no network and no entity expansion, freed on scope
// exit.
#pragma once
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <string>

namespace eductl {

enum class XmlRecovery { strict, recover };

class XmlDoc {
 public:
  // `recover` keeps what parses of a document that is not well-formed (a content
  // document with an HTML entity still shows its references).
  explicit XmlDoc(const std::string& text, XmlRecovery recovery = XmlRecovery::strict) {
    int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
    if (recovery == XmlRecovery::recover) options |= XML_PARSE_RECOVER;
    m_doc = xmlReadMemory(text.data(), static_cast<int>(text.size()), "package.xml", nullptr, options);
  }
  ~XmlDoc() {
    if (m_doc) xmlFreeDoc(m_doc);
  }
  XmlDoc(const XmlDoc&) = delete;
  XmlDoc& operator=(const XmlDoc&) = delete;
  explicit operator bool() const { return m_doc != nullptr; }
  xmlNodePtr root() const { return xmlDocGetRootElement(m_doc); }
  xmlDocPtr doc() const { return m_doc; }

 private:
  xmlDocPtr m_doc = nullptr;
};

}  // namespace eductl
