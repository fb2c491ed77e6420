#include "Document.h"

// Out-of-line so the class has one home for its vtable and moc output.
