# Copyright (c) synthssl contributors.
# synthssl is imported from the editable install (tools/setup/install.sh; `python -m pytest`
# from the repository root finds this checkout first). The tests' helper modules (helpers.py,
# *_helpers.py, *_testdata.py, ... here, shared by several test folders; one used by a single
# folder, e.g. mmpretrain_bench_helpers.py, next to its tests) import by name: pytest's
# default import mode puts this folder (the rootdir conftest's) and each test file's folder
# on sys.path.
import os
import shutil

# Before torch starts its OpenMP pool: spin-waiting threads make a 2-core machine crawl.
os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')

import pytest  # noqa: E402


#: the only reason a test may be skipped: a capability this machine lacks by design (no GPU).
#: Anything the README's set-up installs (EGL, cityscapesscripts, scipy, ...) is present, and
#: when it is not, the test fails instead of skipping.
ALLOWED_SKIP_PREFIX = 'needs a CUDA GPU'


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Turn every skip whose reason is not :data:`ALLOWED_SKIP_PREFIX` into a failure (an
    ``importorskip``, a ``pytest.skip`` in a fixture, a new ``skipif``): a missing
    dependency or a regression must not hide as a skip."""
    outcome = yield
    rep = outcome.get_result()
    if rep.skipped and not hasattr(rep, 'wasxfail'):
        reason = rep.longrepr[2] if isinstance(rep.longrepr, tuple) else str(rep.longrepr)
        if not reason.startswith(('Skipped: ' + ALLOWED_SKIP_PREFIX, ALLOWED_SKIP_PREFIX)):
            rep.outcome = 'failed'
            rep.longrepr = (f'{item.nodeid} was skipped ({reason}); only a missing GPU may '
                            f'skip a test (reason starting {ALLOWED_SKIP_PREFIX!r})')
    if rep.failed:
        _FAILED_MODULES.add(item.module.__name__)


# ---- disk: what module-scoped fixtures write goes when their module ends (pytest.ini deletes a
# passing test's tmp_path; a module's checkpoints, several hundred MB in a few modules, would
# otherwise stay until the session ends). Kept where a test of the module failed.
_BASETEMP: list = []
_MODULE_DIRS: dict = {}
_FAILED_MODULES: set = set()


@pytest.fixture(scope='session', autouse=True)
def _session_basetemp(tmp_path_factory):
    _BASETEMP.append(tmp_path_factory.getbasetemp())


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(fixturedef, request):
    """Record the base-temp folders a module-scoped fixture creates."""
    if fixturedef.scope != 'module' or not _BASETEMP:
        yield
        return
    before = set(os.listdir(_BASETEMP[0]))
    yield
    new = set(os.listdir(_BASETEMP[0])) - before
    _MODULE_DIRS.setdefault(request.module.__name__, set()).update(
        os.path.join(_BASETEMP[0], d) for d in new)


@pytest.fixture(scope='module', autouse=True)
def _module_tmp_cleanup(request):
    yield
    name = request.module.__name__
    if name not in _FAILED_MODULES:
        for path in _MODULE_DIRS.pop(name, ()):
            shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope='session')
def toy_shapes_root(tmp_path_factory) -> str:
    """A tiny rendered toy-shapes set: 8 train + 4 val images of 32x32."""
    from synthssl.render.toy_shapes import render_toy_shapes
    root = str(tmp_path_factory.mktemp('toy_shapes'))
    render_toy_shapes(root, num_train=8, num_val=4, size=32, seed=0)
    return root


@pytest.fixture(scope='session')
def atdt_pair(tmp_path_factory) -> dict:
    """Tiny rendered AT/DT domains A ('indoor') and B ('warm'), train and val splits."""
    from atdt_helpers import render_pair
    return render_pair(str(tmp_path_factory.mktemp('atdt_pair')))


@pytest.fixture
def mmseg_scope():
    """mmseg's models registered and ``synthssl`` the default scope, for the tests that build
    tiny mmseg task networks (``atdt_helpers.semantic_net``/``depth_net``) or mmseg-based
    metrics from unprefixed ``synthssl`` types; a module uses it for all its tests with
    ``pytestmark = pytest.mark.usefixtures('mmseg_scope')``."""
    import mmseg.models  # noqa: F401  (registers EncoderDecoder, DepthEstimator, ...)
    from mmengine.registry import init_default_scope
    init_default_scope('synthssl')


@pytest.fixture(autouse=True)
def _isolated_default_scope():
    """Every test starts with the default scope the session had before it: a Runner or
    ``init_default_scope`` in one test must not decide which registry another test's
    ``build`` searches (mmdet's TASK_UTILS are not found under the mmpretrain scope)."""
    from mmengine.registry import DefaultScope
    saved = DefaultScope._instance_dict.copy()
    yield
    DefaultScope._instance_dict.clear()
    DefaultScope._instance_dict.update(saved)


def _visualizer_classes() -> list:
    from mmengine.visualization import Visualizer
    classes, todo = [], [Visualizer]
    while todo:
        cls = todo.pop()
        classes.append(cls)
        todo.extend(cls.__subclasses__())
    return classes


@pytest.fixture(autouse=True)
def _isolated_visualizers():
    """Every test gets the visualizers of its own Runners: mmdet/mmseg configs name theirs
    (``name='visualizer'``), so a later Runner would get an earlier test's instance back from
    mmengine's registry of instances and write into that test's work dir (deleted once the
    test passed, pytest.ini)."""
    saved = {cls: cls._instance_dict.copy() for cls in _visualizer_classes()}
    yield
    for cls in _visualizer_classes():
        cls._instance_dict.clear()
        cls._instance_dict.update(saved.get(cls, {}))
