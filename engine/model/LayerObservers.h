// Several LayerObservers on one forward: each sees every event, in the order
// they were added (a recorder, routing statistics and a profile writer at once).
#pragma once

#include "model/LayerObserver.h"

#include <utility>
#include <vector>

namespace mobi {

class LayerObservers {
  public:
    using Id = int;

    // Adds f (ignored when empty); the id removes it again.
    Id add(LayerObserver f) {
        const Id id = nextId_++;
        if (f) entries_.push_back({id, std::move(f)});
        return id;
    }
    void remove(Id id) {
        for (size_t i = 0; i < entries_.size(); ++i)
            if (entries_[i].first == id) {
                entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(i));
                return;
            }
    }
    void clear() { entries_.clear(); }
    bool empty() const { return entries_.empty(); }
    size_t size() const { return entries_.size(); }

    void operator()(const LayerEvent& e) const {
        for (const auto& entry : entries_)
            entry.second(e);
    }

  private:
    std::vector<std::pair<Id, LayerObserver>> entries_;
    Id nextId_ = 1;
};

} // namespace mobi
