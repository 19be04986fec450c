"""C and C++ code that tree-sitter reads as a definition but that is none: a local variable built with
constructor arguments (`Foo x(n);` is a `declaration` with a `function_declarator`), a prototype inside a
function body, and a `catch` clause recovered as a function named `catch` when a conditional splits a
try/catch chain. Prototypes everywhere else (file, namespace, `extern "C"`, conditional, class level) stay
symbols: the search folds header prototypes into their definitions."""

from __future__ import annotations

import pytest

from parsers.extractor import extract_symbols


def _names(source: bytes, language: str) -> dict[str, tuple[str, int, int]]:
    return {
        s.qualified_name: (s.kind, s.start_line, s.end_line)
        for s in extract_symbols(source, language, path="x", repo="r")
    }


# scipy's hierarchy: locals constructed with arguments read as prototypes
LOCALS_CPP = b"""static void MST_linkage_core(const t_index N, const t_float * const D) {
  t_index i;
  doubly_linked_list active_nodes(N);
  auto_array_ptr<t_float> d(N);
  linkage_output output(Z);
  int helper(int);
  for (Cursor c(D); c; ++c) { Node n(c); }
  switch (N) { case 1: Guard g(i); break; }
#ifdef USE_LOCK
  Lock lock(mutex);
#endif
  auto visit = [&](int k) { Frame f(k); };
}
"""


def test_cpp_locals_with_constructor_arguments_are_not_functions() -> None:
    assert _names(LOCALS_CPP, "cpp") == {"MST_linkage_core": ("function", 1, 13)}


LOCALS_C = b"""int main(void) {
  int helper(void);
  static char *name(int);
  if (argc) { int inner(int, int); }
  return helper();
}
"""


def test_c_prototypes_inside_a_function_body_are_not_symbols() -> None:
    assert _names(LOCALS_C, "c") == {"main": ("function", 1, 6)}


PROTOTYPES_CPP = b"""int top_level(int a);
char *top_pointer(void);
namespace geo {
double area(double w, double h);
namespace detail { int even(int n); }
}
extern "C" {
int c_api(void *handle);
}
#ifdef HAVE_FAST
int fast_path(int x);
#else
int slow_path(int x);
#endif
class Box {
  public:
    int size() const;
    Box(int side);
};
template <typename T> T twice(T x);
int catcher(int e) { return e; }
void do_switch(int n) { switch (n) { default: break; } }
"""


def test_cpp_prototypes_outside_function_bodies_stay_symbols() -> None:
    names = _names(PROTOTYPES_CPP, "cpp")
    for name in (
        "top_level",
        "top_pointer",
        "geo.area",
        "geo.detail.even",
        "c_api",
        "fast_path",
        "slow_path",
    ):
        assert names[name][0] == "function", name
    assert names["Box.size"][0] == "method"
    assert names["Box.Box"][0] == "method"
    assert names["catcher"] == ("function", 21, 21)
    assert names["do_switch"] == ("function", 22, 22)


# an export macro between `class` and the name: tree-sitter reads the class as a function definition whose
# body is a block, but what is in it is the class's members (LLVM's Module, ICU's, V8's classes)
EXPORTED_CLASS = b"""namespace llvm {
class LLVM_EXTERNAL_VISIBILITY Module : public Base {
public:
  VersionTuple getSDKVersion() const;
  void setSDKVersion(const VersionTuple &V);
  int size() const { Guard g(lock); return n; }
};
}
"""


def test_member_prototypes_of_a_class_read_as_a_function_stay_symbols() -> None:
    assert _names(EXPORTED_CLASS, "cpp") == {
        "llvm.getSDKVersion": ("function", 4, 4),
        "llvm.setSDKVersion": ("function", 5, 5),
        "llvm.size": ("function", 6, 6),
    }


PROTOTYPES_C = b"""int top_level(int a);
char *top_pointer(void);
#if defined(HAVE_FAST)
int fast_path(int x);
#endif
int catcher(int e) { return e; }
void do_switch(int n) { switch (n) { default: break; } }
"""


def test_c_prototypes_outside_function_bodies_stay_symbols() -> None:
    assert _names(PROTOTYPES_C, "c") == {
        "top_level": ("function", 1, 1),
        "top_pointer": ("function", 2, 2),
        "fast_path": ("function", 4, 4),
        "catcher": ("function", 6, 6),
        "do_switch": ("function", 7, 7),
    }


# lines of macro calls (OpenSSL's x509v3.h) read as the head of an old-style C function whose parameter
# declarations are the prototypes after them: those are still the header's prototypes
MACRO_CALLS_C = b"""DECLARE_ASN1_FUNCTIONS(OTHERNAME)
DECLARE_ASN1_FUNCTIONS(EDIPARTYNAME)
int OTHERNAME_cmp(OTHERNAME *a, OTHERNAME *b);
void GENERAL_NAME_set0_value(GENERAL_NAME *a, int type, void *value);

typedef struct ASIdentifiers_st {
    ASIdentifierChoice *asnum, *rdi;
} ASIdentifiers;
"""


def test_prototypes_after_macro_calls_stay_symbols() -> None:
    names = [name.rsplit(".", 1)[-1] for name in _names(MACRO_CALLS_C, "c")]
    assert "OTHERNAME_cmp" in names
    assert "GENERAL_NAME_set0_value" in names


# scipy's hierarchy_wrap: a conditional catch clause splits the chain, and tree-sitter recovers the clauses
# after it as functions named `catch`
SPLIT_CATCH = b"""static PyObject *linkage_wrap(PyObject * const self, PyObject * const args) {
  try {
    compute();
  }
  catch (const std::bad_alloc&) {
    return PyErr_NoMemory();
  }
  catch (const std::exception& e) {
    return NULL;
  }
#ifdef FE_INVALID
  catch (const fenv_error&) {
    return NULL;
  }
#endif
  catch (...) {
    return NULL;
  }
  return Py_None;
}

int after(void) { return 1; }
"""


def test_a_split_catch_chain_yields_no_catch_functions() -> None:
    assert _names(SPLIT_CATCH, "cpp") == {
        "linkage_wrap": ("function", 1, 20),
        "after": ("function", 22, 22),
    }


# a macro before a statement (libstdc++'s pstl) reads as a function named `for`; glibc's `__NTH (atof (...))`
# wrapper leaves the return type as the only name in sight
MACRO_STATEMENT = b"""int walk(int n)
{
    PRAGMA_SIMD
    for (int i = 0; i < n; ++i) {
        f(i);
    }
    return n;
}

__extern_inline double
__NTH (atof (const char *__nptr))
{
  return strtod (__nptr, NULL);
}

int catcher(int e) { return e; }
void do_switch(int n) { switch (n) { default: break; } }
"""


@pytest.mark.parametrize("language", ["cpp", "c"])
def test_no_definition_is_named_by_a_keyword(language: str) -> None:
    assert _names(MACRO_STATEMENT, language) == {
        "walk": ("function", 1, 8),
        "catcher": ("function", 16, 16),
        "do_switch": ("function", 17, 17),
    }


def test_a_macro_may_be_named_by_a_keyword() -> None:
    source = b"#define _Static_assert(expr, diagnostic) extern int (*__assert(void))\n#define alignof(t) __alignof__(t)\n"
    for language in ("c", "cpp"):
        assert {s.name for s in extract_symbols(source, language, path="x", repo="r")} == {
            "_Static_assert",
            "alignof",
        }
