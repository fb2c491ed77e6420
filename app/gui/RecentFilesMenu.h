// The "Open Recent" menu and the list behind it (QSettings "recentFiles",
// newest first, at most ten): the shell's, whatever the document kind.
#pragma once

#include <QMenu>
#include <QStringList>

namespace mobi {

class RecentFilesMenu final : public QMenu {
    Q_OBJECT
public:
    explicit RecentFilesMenu(QWidget* parent = nullptr);
    static QStringList files();
    void add(const QString& path);
    void remove(const QString& path);

signals:
    void openRequested(const QString& path);

private:
    void rebuild();
};

} // namespace mobi
