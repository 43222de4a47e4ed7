import derivations
import numerics
import quizproof


def test_packages_import():
    assert quizproof.__version__
    assert derivations.Step("x", derivations.core.sp.Integer(1)).text == "x"
    assert numerics.__doc__
