#include "TokenSelection.h"

namespace mobi {

void TokenSelection::setToken(int row) {
    if (row == token_) return;
    token_ = row;
    emit tokenChanged(row);
}

} // namespace mobi
