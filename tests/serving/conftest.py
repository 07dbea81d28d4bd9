import pytest

from tests.serving.server import base_env, collectstatic


@pytest.fixture(scope="session")
def static_root(tmp_path_factory):
    """What `make run` collects before serving: hashed, compressed copies (a few seconds)."""
    var_dir = tmp_path_factory.mktemp("collect-var")
    root = tmp_path_factory.mktemp("static")
    collectstatic(base_env(var_dir, root, None))
    return root
