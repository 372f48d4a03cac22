"""Classes: constructors, properties, method kinds, inheritance, GC support and protocols."""

from pyo3_showcase._native import (
    AttributeBag,
    BaseClass,
    ClassWithGCSupport,
    Counter,
    FreelistItem,
    MyClass,
    Number,
    Point,
    SubClass,
    WeakReferenceable,
    WithDict,
    move_point,
    return_myclass,
)

__all__ = [
    "AttributeBag",
    "BaseClass",
    "ClassWithGCSupport",
    "Counter",
    "FreelistItem",
    "MyClass",
    "Number",
    "Point",
    "SubClass",
    "WeakReferenceable",
    "WithDict",
    "move_point",
    "return_myclass",
]
