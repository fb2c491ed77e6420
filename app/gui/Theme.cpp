#include "Theme.h"

#include <QApplication>
#include <QPalette>
#include <QStyle>
#include <QStyleFactory>

namespace mobi {

QString themeKey(Theme t) { return t == Theme::Dark ? QStringLiteral("dark") : QStringLiteral("light"); }

Theme themeFromKey(const QString& key) {
    return key == QLatin1String("dark") ? Theme::Dark : Theme::Light;
}

void applyTheme(Theme t) {
    // Fusion draws the same on every platform, so both palettes read as designed.
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    QPalette p;
    if (t == Theme::Dark) {
        const QColor window(37, 39, 43), base(27, 29, 32), text(220, 222, 226), mid(90, 94, 100);
        p.setColor(QPalette::Window, window);
        p.setColor(QPalette::WindowText, text);
        p.setColor(QPalette::Base, base);
        p.setColor(QPalette::AlternateBase, window);
        p.setColor(QPalette::ToolTipBase, QColor(50, 53, 58));
        p.setColor(QPalette::ToolTipText, text);
        p.setColor(QPalette::Text, text);
        p.setColor(QPalette::PlaceholderText, QColor(140, 144, 150));
        p.setColor(QPalette::Button, QColor(48, 51, 56));
        p.setColor(QPalette::ButtonText, text);
        p.setColor(QPalette::BrightText, Qt::red);
        p.setColor(QPalette::Mid, mid);
        p.setColor(QPalette::Dark, QColor(20, 21, 24));
        p.setColor(QPalette::Light, QColor(70, 73, 78));
        p.setColor(QPalette::Highlight, QColor(66, 133, 214));
        p.setColor(QPalette::HighlightedText, Qt::white);
        p.setColor(QPalette::Link, QColor(110, 170, 240));
        p.setColor(QPalette::Disabled, QPalette::Text, QColor(120, 123, 128));
        p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(120, 123, 128));
        p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(120, 123, 128));
    } else {
        p = QApplication::style()->standardPalette();
        p.setColor(QPalette::Highlight, QColor(48, 112, 200));
        p.setColor(QPalette::PlaceholderText, QColor(120, 120, 120));
    }
    QApplication::setPalette(p);
}

} // namespace mobi
