// Light and dark looks for the whole application (Fusion style plus a palette).
#pragma once

#include <QString>

namespace mobi {

enum class Theme { Light, Dark };

QString themeKey(Theme t);
Theme themeFromKey(const QString& key);
void applyTheme(Theme t);

} // namespace mobi
