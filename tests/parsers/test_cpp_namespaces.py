"""C++ namespaces qualify what they hold; a function in one is a function, not a method."""

from __future__ import annotations

from parsers.extractor import extract_symbols

SOURCE = b"""namespace geo {
int area(int w, int h) { return w * h; }
template <typename T> T twice(T x) { return x + x; }
double Polygon::perimeter() const { return 0; }
class Box {
  public:
    int size() const { return 1; }
};
namespace detail {
inline bool even(int n) { return n % 2 == 0; }
}
}
"""


def test_functions_in_a_namespace_are_functions_and_members_are_methods() -> None:
    kinds = {s.qualified_name: s.kind for s in extract_symbols(SOURCE, "cpp", path="geo.cpp", repo="r")}
    assert kinds == {
        "geo.area": "function",
        "geo.twice": "function",
        "geo.Polygon.perimeter": "method",  # defined outside its class
        "geo.Box": "class",
        "geo.Box.size": "method",
        "geo.detail.even": "function",
    }
