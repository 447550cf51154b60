#include "runtime/spec/config.hpp"

namespace ocirun::spec {

const Namespace* find_namespace(const Config& c, NsType t) {
  if (!c.linux_) return nullptr;
  for (const auto& ns : c.linux_->namespaces)
    if (ns.type == t) return &ns;
  return nullptr;
}

}  // namespace ocirun::spec
