// Adds an observer to a Transformer for the lifetime of this object (a
// recorder that lives on a caller's stack unhooks itself, also on throw).
#pragma once

#include "model/Transformer.h"

namespace mobi {

class ScopedObserver {
  public:
    ScopedObserver(Transformer& t, LayerObserver f) : t_(&t), id_(t.addObserver(std::move(f))) {}
    ~ScopedObserver() { t_->removeObserver(id_); }
    ScopedObserver(const ScopedObserver&) = delete;
    ScopedObserver& operator=(const ScopedObserver&) = delete;

  private:
    Transformer* t_;
    LayerObservers::Id id_;
};

} // namespace mobi
