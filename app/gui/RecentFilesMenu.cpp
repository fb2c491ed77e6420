#include "RecentFilesMenu.h"

#include <QSettings>

namespace mobi {

namespace {

constexpr int kMaxRecent = 10;

void store(const QStringList& list) { QSettings().setValue(QStringLiteral("recentFiles"), list); }

} // namespace

RecentFilesMenu::RecentFilesMenu(QWidget* parent) : QMenu(QStringLiteral("Open &Recent"), parent) {
    rebuild();
}

QStringList RecentFilesMenu::files() {
    return QSettings().value(QStringLiteral("recentFiles")).toStringList();
}

void RecentFilesMenu::add(const QString& path) {
    QStringList list = files();
    list.removeAll(path);
    list.prepend(path);
    while (list.size() > kMaxRecent) list.removeLast();
    store(list);
    rebuild();
}

void RecentFilesMenu::remove(const QString& path) {
    QStringList list = files();
    list.removeAll(path);
    store(list);
    rebuild();
}

void RecentFilesMenu::rebuild() {
    clear();
    const QStringList list = files();
    for (int i = 0; i < list.size(); ++i) {
        QAction* a = addAction(QStringLiteral("&%1 %2").arg(i + 1).arg(list[i]));
        connect(a, &QAction::triggered, this, [this, p = list[i]] { emit openRequested(p); });
    }
    if (!list.isEmpty()) {
        addSeparator();
        addAction(QStringLiteral("Clear"), this, [this] {
            QSettings().remove(QStringLiteral("recentFiles"));
            rebuild();
        });
    }
    setEnabled(!list.isEmpty());
}

} // namespace mobi
