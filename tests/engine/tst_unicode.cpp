// UTF-8 decoding and the code point classes of the pre-tokenizer, checked
// against Unicode's own data (UnicodeData.txt categories, PropList White_Space).
#include "TestData.h"

#include "tokenizer/Unicode.h"

#include <QtTest>

using namespace mobi;

class TstUnicode : public QObject {
    Q_OBJECT
  private slots:
    void letters() {
        // Ll, Lu, Lt, Lm, Lo from several scripts.
        for (uint32_t cp : {0x61u, 0x5Au, 0xE9u, 0xAAu, 0x1C5u, 0x2B0u, 0x3B1u, 0x416u, 0x5D0u,
                            0x627u, 0x4E00u, 0x3042u, 0xAC00u, 0x1D400u, 0x20000u})
            QVERIFY2(unicode::isLetter(cp), qPrintable(QString::number(cp, 16)));
        // Nd, Mn, Sm, So, Pc, Zs, Cc: not letters.
        for (uint32_t cp : {0x30u, 0x661u, 0x300u, 0x2Bu, 0x1F600u, 0x5Fu, 0x20u, 0x0Au, 0xD7u})
            QVERIFY2(!unicode::isLetter(cp), qPrintable(QString::number(cp, 16)));
    }
    void numbers() {
        // Nd (ASCII, Arabic-Indic, Devanagari, fullwidth), No (superscript two,
        // vulgar fraction), Nl (Roman numeral five).
        for (uint32_t cp : {0x30u, 0x39u, 0x661u, 0x967u, 0xFF11u, 0xB2u, 0xBDu, 0x2164u})
            QVERIFY2(unicode::isNumber(cp), qPrintable(QString::number(cp, 16)));
        for (uint32_t cp : {0x41u, 0xE9u, 0x1F600u, 0x2Eu, 0x3000u})
            QVERIFY2(!unicode::isNumber(cp), qPrintable(QString::number(cp, 16)));
    }
    void whitespace() {
        for (uint32_t cp : {0x09u, 0x0Au, 0x0Bu, 0x0Cu, 0x0Du, 0x20u, 0x85u, 0xA0u, 0x1680u,
                            0x2000u, 0x200Au, 0x2028u, 0x2029u, 0x202Fu, 0x205Fu, 0x3000u})
            QVERIFY2(unicode::isWhitespace(cp), qPrintable(QString::number(cp, 16)));
        // Zero-width space and BOM are Cf, not White_Space; 0x1C-0x1F are not
        // White_Space either (Python's str.isspace differs there).
        for (uint32_t cp : {0x200Bu, 0xFEFFu, 0x1Cu, 0x1Fu, 0x41u, 0x180Eu})
            QVERIFY2(!unicode::isWhitespace(cp), qPrintable(QString::number(cp, 16)));
    }
    void assigned() {
        QVERIFY(unicode::isAssigned(0x1F600)); // So
        QVERIFY(unicode::isAssigned(0xE000));  // Co (private use) is assigned
        QVERIFY(!unicode::isAssigned(0x378));  // Greek block hole
        QVERIFY(!unicode::isAssigned(0xFFFF)); // noncharacter
        QVERIFY(!unicode::isAssigned(0x110000));
        const uint8_t f = unicode::flags(0x1F600);
        QCOMPARE(f & (unicode::kLetterFlag | unicode::kNumberFlag | unicode::kSpaceFlag), 0);
        QVERIFY(f & unicode::kAssignedFlag);
        QCOMPARE(unicode::flags('7'), uint8_t(unicode::kNumberFlag | unicode::kAssignedFlag));
        QCOMPARE(unicode::flags(0x3000), uint8_t(unicode::kSpaceFlag | unicode::kAssignedFlag));
    }
    void decodeValid() {
        const std::vector<uint32_t> got = unicode::decode("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
        QCOMPARE(got, (std::vector<uint32_t>{0x61, 0xE9, 0x20AC, 0x1F600}));
        for (uint32_t cp : {0x0u, 0x7Fu, 0x80u, 0x7FFu, 0x800u, 0xFFFFu, 0x10000u, 0x10FFFFu}) {
            const std::string s = unicode::encode(cp);
            QCOMPARE(unicode::decode(s), std::vector<uint32_t>{cp});
            QCOMPARE(s.size(), unicode::sequenceLength(static_cast<unsigned char>(s[0])));
        }
    }
    void decodeInvalid() {
        // Every invalid byte becomes one U+FFFD and decoding resumes at the
        // next byte (llama.cpp's unicode_cpts_from_utf8).
        const uint32_t R = unicode::kReplacement;
        QCOMPARE(unicode::decode("\x80"), std::vector<uint32_t>{R}); // stray continuation
        QCOMPARE(unicode::decode("\xC3"), std::vector<uint32_t>{R}); // truncated
        QCOMPARE(unicode::decode("\xE2\x82"
                                 "A"),
                 (std::vector<uint32_t>{R, R, 'A'}));
        QCOMPARE(unicode::decode("\xFF"
                                 "b"),
                 (std::vector<uint32_t>{R, 'b'})); // bad lead byte
        QCOMPARE(unicode::decode("\xF4\x90\x80\x80"),
                 (std::vector<uint32_t>{R, R, R, R})); // > U+10FFFF
        // Overlong forms decode to their value, as llama.cpp reads them.
        QCOMPARE(unicode::decode("\xC1\x81"), std::vector<uint32_t>{0x41});
        QCOMPARE(unicode::encode(0x110000), unicode::encode(R));
    }
};

QTEST_APPLESS_MAIN(TstUnicode)
#include "tst_unicode.moc"
