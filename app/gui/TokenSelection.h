// The one token selection the views of a model document share (the pattern
// of hotspot's FilterAndZoomStack): a view that is clicked sets it, and every
// view (chips, layer chart, heatmap, details line) follows tokenChanged
// instead of being wired to the others pair by pair.
#pragma once

#include <QObject>

namespace mobi {

class TokenSelection final : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;
    int token() const { return token_; }

public slots:
    // Row of the selected token, -1 for none; a repeated value emits nothing
    // (views that echo the selection back do not loop).
    void setToken(int row);

signals:
    void tokenChanged(int row);

private:
    int token_ = -1;
};

} // namespace mobi
