# Copyright (c) synthssl contributors.
"""Mutation testing of the code whose bugs the test suite must catch, with mutmut.

Runs `mutmut <https://pypi.org/project/mutmut/>`_ (the version pinned in
``requirements/quality.txt``; not part of the test/CI install) over four groups, each with
the test files that cover it:

========== ====================================================== ==========================
group      code mutated                                           tests run per mutant
========== ====================================================== ==========================
losses     ``synthssl/models/losses/*.py`` (whole files)          the loss tests
metrics    depth, normal and contour metrics (whole files)        the metric tests
algorithms ``train_step``/``loss`` of CrossDomainMultiTask,        the algorithm tests
           ATDTTransfer and CSG (only these functions)
conversion ``synthssl/models/utils/alexnet_conversion.py``        the export/conversion tests
========== ====================================================== ==========================

Each group runs in a fresh copy of the repository in a temporary directory (never in the
checkout, which others may be editing or testing): mutmut writes its mutated package to
``<copy>/mutants/``, and ``import synthssl`` there resolves to that package (``PYTHONPATH``
first, and a pytest plugin that aborts the run if it does not: the venv's editable install
points at the checkout). One worker process, ``OMP_NUM_THREADS=1``; per mutant, mutmut runs
only the tests (of the group's files) that call the mutated function, fastest first, ``-x``.

Prints the surviving mutants (``file:line``, the mutation) and a summary per module, and
writes ``mutation_results.json`` and ``mutation_results.md`` (plus mutmut's log per group)
to ``--out``. Survivors listed in ``tools/quality/mutation_equivalents.toml`` (equivalent
mutants, each with its reason) are counted as ``equivalent``, not as survivors. Exit status 1
if any mutant survived (or had no test) that is not listed there.

Too slow for CI (tens of minutes on 2 cores); the last result is in docs/mutation_testing.md::

    ~/.cache/synthssl/venv-py311/bin/pip install -r requirements/quality.txt -c requirements/lock.txt
    ~/.cache/synthssl/venv-py311/bin/python tools/quality/mutation_test.py            # all groups
    ~/.cache/synthssl/venv-py311/bin/python tools/quality/mutation_test.py losses metrics
"""
import argparse
import ast
import difflib
import fnmatch
import glob
import json
import os
import os.path as osp
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, OrderedDict

try:
    import tomllib
except ImportError:  # Python < 3.11
    tomllib = None

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
EQUIVALENTS = osp.join(REPO, 'tools', 'quality', 'mutation_equivalents.toml')
REQUIREMENTS = osp.join(REPO, 'requirements', 'quality.txt')

# What each group mutates: files (globs, relative to the repository), optionally only some
# functions ('Class.method' or 'function'; the file that defines each is looked up, so a
# renamed file does not break the group), and the test files (globs; '**' so that a test
# moved to another folder is still found) whose tests mutmut runs against the mutants.
GROUPS = OrderedDict(
    losses=dict(
        files=['synthssl/models/losses/*.py'],
        tests=['tests/test_models/test_losses/',
               'tests/**/test_atdt_decoder_head.py']),  # MaskedL1DepthLoss as its loss
    metrics=dict(
        files=['synthssl/evaluation/metrics/depth_metric.py',
               'synthssl/evaluation/metrics/normal_metric.py',
               'synthssl/evaluation/metrics/contour_metric.py'],
        tests=['tests/test_evaluation/test_metrics/test_pretext_metrics.py',
               'tests/test_evaluation/test_metrics/test_metric_properties.py']),
    algorithms=dict(
        files=['synthssl/models/algorithms/*.py'],
        functions=['CrossDomainMultiTask.train_step', 'CrossDomainMultiTask.loss',
                   'CrossDomainMultiTask._bce', 'ATDTTransfer.loss', 'CSG.loss',
                   'CSG._task_loss'],
        tests=['tests/**/test_cross_domain_multitask.py',
               'tests/**/test_adversarial_objective.py',
               'tests/**/test_train_step_properties.py',
               'tests/**/test_atdt_transfer.py',
               'tests/**/test_csg.py']),
    conversion=dict(
        files=['synthssl/models/utils/alexnet_conversion.py'],
        # mutmut skips decorated functions (other than static/classmethods): these are
        # rewritten in the copy as ``f = torch.no_grad()(f)`` after the definition, which is
        # what the decorator does, so that fold_bn & co. are mutated too
        unwrap_decorators=['torch.no_grad()'],
        tests=['tests/**/test_export_pretrained.py',
               'tests/**/test_conversion_properties.py'],
        # end-to-end runs of the export tool (16 s, 14 s in a subprocess, 3 s): too slow
        # to repeat for every mutant; the conversion they call is tested on its own above
        deselect=['tests/**/test_export_pretrained.py::test_export_caffe_formats',
                  'tests/**/test_export_pretrained.py::test_cli_subprocess',
                  'tests/**/test_export_pretrained.py::'
                  'test_export_backbone_loads_with_weights_only_and_init_cfg']),
)

# mutmut's verdicts (mutmut.stats.status_by_exit_code) folded into the columns reported
COLUMNS = ('killed', 'survived', 'equivalent', 'no tests', 'timeout', 'other')
IGNORED_DIRS = {'.git', 'work_dirs', 'data', 'mutants', '.pytest_cache', '.venv', 'build',
                'dist'}
GUARD_PLUGIN = '''\
"""Written by tools/quality/mutation_test.py: stop pytest unless synthssl is the mutated copy."""
import os.path as osp

import pytest

EXPECTED = {expected!r}


def pytest_configure(config):
    import synthssl
    where = osp.realpath(osp.dirname(synthssl.__file__))
    if where != EXPECTED:
        raise pytest.UsageError(
            f'mutation testing: synthssl imported from {{where}}, not from {{EXPECTED}}')
'''


# ---------------------------------------------------------------------------------- set-up
def copy_repo(src: str, dst: str) -> None:
    """The working tree without .git, work_dirs/, data/ (top level only: tests/data stays)
    and caches."""
    def ignore(folder, names):
        top = osp.realpath(folder) == osp.realpath(src)
        return [n for n in names
                if n == '__pycache__' or n.endswith('.egg-info') or
                (top and n in IGNORED_DIRS)]
    shutil.copytree(src, dst, ignore=ignore, symlinks=True)


def unwrap_decorators(path: str, decorators) -> list:
    """Rewrite ``@dec\\ndef f(...): ...`` as ``def f(...): ...\\nf = dec(f)`` for the given
    decorator expressions on top-level functions (same behaviour; mutmut then mutates f)."""
    with open(path) as f:
        src = f.read()
    lines = src.splitlines(keepends=True)
    edits = []
    for node in ast.parse(src).body:
        if not isinstance(node, ast.FunctionDef) or len(node.decorator_list) != 1:
            continue
        dec = node.decorator_list[0]
        text = ast.get_source_segment(src, dec)
        if text in decorators:
            edits.append((dec.lineno, node.end_lineno, node.name, text))
    for dec_line, end_line, name, text in sorted(edits, reverse=True):
        lines.insert(end_line, f'\n\n{name} = {text}({name})  # unwrapped for mutmut\n')
        assert lines[dec_line - 1].strip() == '@' + text, lines[dec_line - 1]
        del lines[dec_line - 1]
    with open(path, 'w') as f:
        f.write(''.join(lines))
    return [e[2] for e in edits]


def toml_list(items) -> str:
    return '[' + ', '.join(json.dumps(str(i)) for i in items) + ']'


def resolve_files(root: str, patterns) -> list:
    out = []
    for p in patterns:
        hits = sorted(osp.relpath(h, root) for h in glob.glob(osp.join(root, p)))
        if not hits:
            raise SystemExit(f'mutation_test: no file matches {p}')
        out += [h for h in hits if h not in out]
    return out


def module_of(path: str) -> str:
    mod = path[:-3].replace(os.sep, '.')
    return mod[:-len('.__init__')] if mod.endswith('.__init__') else mod


def mangled(qualname: str) -> str:
    """mutmut's name of a function ('x_f') or method ('xǁClassǁmethod')."""
    if '.' in qualname:
        cls, meth = qualname.split('.')
        return f'x\u01c1{cls}\u01c1{meth}'
    return f'x_{qualname}'


def function_of(mutant: str) -> str:
    """'pkg.mod.xǁCǁm__mutmut_3' -> 'C.m'; 'pkg.mod.x_f__mutmut_3' -> 'f'."""
    name = mutant.rsplit('.', 1)[1].rsplit('__mutmut_', 1)[0]
    if name.startswith('x\u01c1'):
        return '.'.join(name.split('\u01c1')[1:3])
    return name[2:]


def functions_in(path: str, source: str = None) -> dict:
    """qualname -> (def line, decorators) of the functions/methods of a file (or of its
    ``source`` text)."""
    if source is None:
        with open(path) as f:
            source = f.read()
    tree = ast.parse(source)
    out = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out[node.name] = (node.lineno, node.decorator_list)
        elif isinstance(node, ast.ClassDef):
            for sub in node.body:
                if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    out[f'{node.name}.{sub.name}'] = (sub.lineno, sub.decorator_list)
    return out


def not_mutated(path: str, selected) -> list:
    """Functions mutmut leaves alone: decorated with anything but static/classmethod."""
    out = []
    for name, (_, decs) in functions_in(path).items():
        if selected is not None and name not in selected:
            continue
        names = [ast.unparse(d) for d in decs]
        if names and not (len(names) == 1 and names[0] in ('staticmethod', 'classmethod')):
            out.append(f'{name} (@{", @".join(names)})')
    return out


# ---------------------------------------------------------------------------------- run
def run_group(name: str, spec: dict, args, out_dir: str) -> dict:
    t0 = time.time()
    base = tempfile.mkdtemp(prefix=f'synthssl-mutation-{name}-', dir=args.workdir)
    copy = osp.join(base, 'repo')
    copy_repo(args.source, copy)
    files = resolve_files(copy, spec['files'])
    tests, missing_tests = [], []
    for pattern in spec['tests']:
        hits = sorted(osp.relpath(h, copy) + ('/' if pattern.endswith('/') else '')
                      for h in glob.glob(osp.join(copy, pattern), recursive=True))
        tests += [h for h in hits if h not in tests]
        if not hits:
            missing_tests.append(pattern)
            print(f'[{name}] note: no test file matches {pattern}', flush=True)
    deselect = []
    for spec_id in spec.get('deselect', []):
        pattern, _, test = spec_id.partition('::')
        deselect += [f'{osp.relpath(h, copy)}::{test}'
                     for h in sorted(glob.glob(osp.join(copy, pattern), recursive=True))]
    unwrapped, originals = {}, {}
    for f in files:
        with open(osp.join(copy, f)) as fh:
            originals[f] = fh.read()  # line numbers are reported in the unmodified file
        if spec.get('unwrap_decorators'):
            done = unwrap_decorators(osp.join(copy, f), spec['unwrap_decorators'])
            if done:
                unwrapped[f] = done
    functions, patterns = None, []
    if spec.get('functions'):
        # file -> the selected functions it defines; only those files are mutated
        functions = OrderedDict()
        for q in spec['functions']:
            where = [f for f in files if q in functions_in(osp.join(copy, f))]
            if len(where) != 1:
                raise SystemExit(f'mutation_test: {q} is defined in {where or "no file"} '
                                 f'of {spec["files"]}')
            functions.setdefault(where[0], []).append(q)
            patterns.append(f'{module_of(where[0])}.{mangled(q)}__mutmut_*')
        files = list(functions)

    # mutants/ must exist before Python starts: a PYTHONPATH entry that does not exist yet
    # is cached as having no modules, and synthssl would come from the editable install
    os.makedirs(osp.join(copy, 'mutants'))
    mutants_pkg = osp.realpath(osp.join(copy, 'mutants', 'synthssl'))
    with open(osp.join(copy, '_mutation_guard.py'), 'w') as f:
        f.write(GUARD_PLUGIN.format(expected=mutants_pkg))
    with open(osp.join(copy, 'pyproject.toml'), 'w') as f:
        f.write('[tool.mutmut]\n'
                'source_paths = ["synthssl/"]\n'
                f'only_mutate = {toml_list(files)}\n'
                'also_copy = ["configs/", "tools/", "setup.py", "README.md", '
                '"_mutation_guard.py"]\n'
                'pytest_add_cli_args = ' + toml_list(
                    ['-p', 'no:cacheprovider', '-p', '_mutation_guard'] +
                    [a for d in deselect for a in ('--deselect', d)]) + '\n'
                f'pytest_add_cli_args_test_selection = {toml_list(tests)}\n'
                'process_isolation = "forkserver"\n'
                f'timeout_multiplier = {args.timeout_multiplier}\n')

    env = dict(os.environ)
    env.update(OMP_NUM_THREADS='1', MKL_NUM_THREADS='1', OPENBLAS_NUM_THREADS='1',
               OMP_WAIT_POLICY='PASSIVE', PYTHONDONTWRITEBYTECODE='1',
               PYTHONPATH=os.pathsep.join([osp.join(copy, 'mutants')] + (
                   [env['PYTHONPATH']] if env.get('PYTHONPATH') else [])))
    # the copy's synthssl wins over the venv's editable install (PYTHONPATH precedes the
    # editable finder); checked here on the unmutated copy and in every pytest run by
    # _mutation_guard on mutants/
    probe = subprocess.run(
        [sys.executable, '-c', 'import synthssl, os; print(os.path.realpath(synthssl.__file__))'],
        cwd=copy, env=dict(env, PYTHONPATH=copy), capture_output=True, text=True)
    where = probe.stdout.strip()
    if not where.startswith(osp.realpath(copy) + os.sep):
        raise SystemExit(f'mutation_test: import synthssl in the copy gives {where!r} '
                         f'({probe.stderr.strip()[-300:]})')

    log_path = osp.join(out_dir, f'mutmut_{name}.log')
    cmd = [sys.executable, '-c', 'from mutmut.__main__ import cli; cli()', 'run',
           '--max-children', str(args.max_children)] + patterns
    print(f'[{name}] {len(files)} file(s), tests: {" ".join(tests)}', flush=True)
    print(f'[{name}] copy: {copy}; log: {log_path}', flush=True)
    rc = stream(cmd, copy, env, log_path, name, args.progress_every)
    elapsed = time.time() - t0
    result = collect(name, copy, files, functions, rc, elapsed, originals)
    result['tests'] = tests
    result['deselected'] = deselect
    result['missing_tests'] = missing_tests
    result['unwrapped_decorators'] = unwrapped
    # after unwrapping: what mutmut still skips in the copy
    result['not_mutated'] = {f: not_mutated(osp.join(copy, f),
                                            functions.get(f) if functions else None)
                             for f in files}
    result['not_mutated'] = {f: v for f, v in result['not_mutated'].items() if v}
    if args.keep:
        print(f'[{name}] kept {base}', flush=True)
    else:
        shutil.rmtree(base, ignore_errors=True)
    return result


def stream(cmd, cwd, env, log_path, name, every) -> int:
    """Run mutmut; its spinner output goes to the log, its last status line to the
    terminal every ``every`` seconds."""
    last, shown = '', time.time()
    with open(log_path, 'w') as log:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        buf = b''
        while True:
            chunk = proc.stdout.read1(4096) if hasattr(proc.stdout, 'read1') else \
                proc.stdout.read(4096)
            if not chunk:
                break
            log.write(chunk.decode('utf-8', 'replace'))
            buf = (buf + chunk)[-2000:]
            parts = re.split(rb'[\r\n]', buf)
            for p in reversed(parts):
                if p.strip():
                    last = p.decode('utf-8', 'replace').strip()
                    break
            if time.time() - shown > every:
                print(f'[{name}] {last}', flush=True)
                shown = time.time()
        rc = proc.wait()
    print(f'[{name}] mutmut exited {rc}: {last}', flush=True)
    if rc != 0:
        with open(log_path) as f:
            tail = f.read()[-3000:]
        print(tail, flush=True)
    return rc


# ---------------------------------------------------------------------------------- results
def load_equivalents() -> list:
    if not osp.exists(EQUIVALENTS):
        return []
    if tomllib is None:
        raise SystemExit('mutation_test: reading mutation_equivalents.toml needs Python 3.11')
    with open(EQUIVALENTS, 'rb') as f:
        return tomllib.load(f).get('equivalent', [])


def norm(code: str) -> str:
    return ' '.join(code.split())


def describe(original: str, path: str, mutant: str):
    """(line in the original file, original code, mutated code) of a mutant."""
    import libcst as cst
    from mutmut.mutation import diff_apply
    functions = diff_apply.read_functions_from_index(mutant, path)
    if functions is None:
        module = diff_apply.read_mutants_module(path)
        functions = (diff_apply.read_original_function(module, mutant),
                     diff_apply.read_mutant_function(module, mutant))
    orig, mut = (cst.Module([fn]).code.strip().split('\n') for fn in functions)
    def_idx = next(i for i, line in enumerate(orig)
                   if re.match(r'\s*(async\s+)?def ', line))
    def_line = functions_in(path, original)[function_of(mutant)][0]
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, orig, mut,
                                                        autojunk=False).get_opcodes():
        if tag != 'equal':
            before = norm(' '.join(orig[i1:i2]))
            after = norm(' '.join(mut[j1:j2]))
            return def_line + (i1 - def_idx), before, after
    return def_line, '', ''


def collect(name, copy, files, functions, rc, elapsed, originals) -> dict:
    cwd = os.getcwd()
    os.chdir(copy)  # mutmut reads its config and mutants/ from the working directory
    try:
        from mutmut.stats import status_by_exit_code
        equivalents = load_equivalents()
        per_file, mutants = OrderedDict(), []
        for path in files:
            meta = osp.join('mutants', path + '.meta')
            counts = Counter({c: 0 for c in COLUMNS})
            if not osp.exists(meta):
                per_file[path] = dict(counts, total=0)
                continue
            with open(meta) as f:
                codes = json.load(f)['exit_code_by_key']
            selected = (functions or {}).get(path) if functions else None
            for key, code in codes.items():
                func = function_of(key)
                if selected is not None and func not in selected:
                    continue
                status = status_by_exit_code[code]
                column = status if status in COLUMNS else (
                    'killed' if status == 'caught by type check' else 'other')
                entry = dict(mutant=key, file=path, function=func, status=status)
                if column != 'killed':
                    line, before, after = describe(originals[path], path, key)
                    entry.update(line=line, before=before, after=after)
                    if column == 'survived':
                        reason = next((e['reason'] for e in equivalents
                                       if e['file'] == path and e['function'] == func and
                                       norm(e['before']) == before and
                                       norm(e['after']) == after), None)
                        if reason:
                            column, entry['status'] = 'equivalent', 'equivalent'
                            entry['reason'] = reason
                    mutants.append(entry)
                counts[column] += 1
            per_file[path] = dict(counts, total=sum(counts.values()))
    finally:
        os.chdir(cwd)
    return dict(group=name, mutmut_exit=rc, wall_s=round(elapsed, 1), files=per_file,
                mutants=sorted(mutants, key=lambda m: (m['file'], m.get('line', 0))),
                functions=functions)


def markdown(results, meta) -> str:
    out = [f'Command: `{meta["command"]}`  ',
           f'Tool: mutmut {meta["mutmut"]} (Python {meta["python"]}), '
           f'{meta["max_children"]} worker, OMP_NUM_THREADS=1  ',
           f'Source: `{meta["source"]}` ({meta["git"]})  ',
           f'Wall time: {meta["wall_s"] / 60:.1f} min in all', '']
    out.append('| group | file | mutants | killed | survived | equivalent | no tests | '
               'timeout | other |')
    out.append('|---|---|---:|---:|---:|---:|---:|---:|---:|')
    for r in results:
        for path, c in r['files'].items():
            fn = ''
            if r.get('functions'):
                fn = ' (' + ', '.join(f'`{q}`' for q in r['functions'].get(path, [])) + ')'
            out.append(f'| {r["group"]} | `{path}`{fn} | {c["total"]} | ' +
                       ' | '.join(str(c[k]) for k in COLUMNS) + ' |')
    out.append('')
    for r in results:
        out.append(f'- {r["group"]}: {r["wall_s"] / 60:.1f} min, mutmut exit {r["mutmut_exit"]}'
                   f'; tests: {", ".join("`" + t + "`" for t in r["tests"])}')
        if r.get('deselected'):
            out.append('  - deselected: ' + ', '.join(f'`{d}`' for d in r['deselected']))
        for f, names in r.get('unwrapped_decorators', {}).items():
            out.append(f'  - `{f}`: `@torch.no_grad()` unwrapped in the copy for '
                       f'{", ".join(names)}')
        for f, names in r.get('not_mutated', {}).items():
            out.append(f'  - not mutated by mutmut (decorated): `{f}`: {", ".join(names)}')
    out.append('')
    bad = [m for r in results for m in r['mutants']
           if m['status'] not in ('equivalent', 'killed')]
    out.append(f'Surviving mutants (not killed, not listed as equivalent): {len(bad)}')
    out.append('')
    for m in bad:
        out.append(f'- `{m["file"]}:{m["line"]}` ({m["function"]}, {m["status"]}): '
                   f'`{m["before"]}` → `{m["after"]}`')
    eq = [m for r in results for m in r['mutants'] if m['status'] == 'equivalent']
    out += ['', f'Equivalent mutants: {len(eq)}', '']
    for m in eq:
        out.append(f'- `{m["file"]}:{m["line"]}` ({m["function"]}): `{m["before"]}` → '
                   f'`{m["after"]}` — {m["reason"]}')
    return '\n'.join(out) + '\n'


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('groups', nargs='*', metavar='GROUP',
                        help=f'groups to run, of {", ".join(GROUPS)} (default: all)')
    parser.add_argument('--source', default=REPO, help='repository to copy (default: this one)')
    parser.add_argument('--out', default=osp.join(REPO, 'work_dirs', 'mutation_testing'),
                        help='where results and logs go')
    parser.add_argument('--workdir', default=None, help='parent of the temporary copies')
    parser.add_argument('--keep', action='store_true', help='keep the temporary copies')
    parser.add_argument('--max-children', type=int, default=1, help='mutmut workers')
    parser.add_argument('--timeout-multiplier', type=float, default=15.0,
                        help="mutmut's timeout: (expected test time + 1 s) times this")
    parser.add_argument('--progress-every', type=float, default=60.0,
                        help='seconds between progress lines')
    args = parser.parse_args()
    groups = args.groups or list(GROUPS)
    unknown = [g for g in groups if g not in GROUPS]
    if unknown:
        parser.error(f'unknown group(s) {unknown}; choose from {list(GROUPS)}')
    try:
        from importlib.metadata import version
        mutmut_version = version('mutmut')
    except Exception:
        raise SystemExit('mutation_test: mutmut is not installed; pip install -r '
                         'requirements/quality.txt -c requirements/lock.txt')
    pinned = re.search(r'^mutmut==(\S+)', open(REQUIREMENTS).read(), re.M)
    if pinned and pinned.group(1) != mutmut_version:
        print(f'warning: mutmut {mutmut_version} installed, {pinned.group(1)} pinned in '
              'requirements/quality.txt', flush=True)
    args.source = osp.realpath(args.source)
    os.makedirs(args.out, exist_ok=True)
    t0 = time.time()
    results = []
    for g in groups:
        results.append(run_group(g, GROUPS[g], args, args.out))
        # write what is there after each group: a long run that is stopped keeps its results
        write(results, args, mutmut_version, time.time() - t0, groups)
    meta = write(results, args, mutmut_version, time.time() - t0, groups)

    print('\nSurviving mutants (not killed, not listed as equivalent):')
    bad = [m for r in results for m in r['mutants']
           if m['status'] not in ('equivalent', 'killed')]
    for m in bad:
        print(f'  {m["file"]}:{m["line"]} [{m["status"]}] {m["function"]}: '
              f'{m["before"]}  -->  {m["after"]}')
    if not bad:
        print('  none')
    print('\nSummary per module:')
    print(f'  {"file":58s} {"total":>5s} ' + ' '.join(f'{c[:9]:>9s}' for c in COLUMNS))
    for r in results:
        for path, c in r['files'].items():
            print(f'  {path:58s} {c["total"]:5d} ' + ' '.join(f'{c[k]:9d}' for k in COLUMNS))
    print(f'\nWall time {meta["wall_s"] / 60:.1f} min; results in {args.out}/mutation_results.'
          '{json,md}')
    failed = any(r['mutmut_exit'] != 0 for r in results)
    return 1 if bad or failed else 0


def write(results, args, mutmut_version, wall, groups) -> dict:
    git = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=args.source,
                         capture_output=True, text=True).stdout.strip() or 'no git'
    dirty = subprocess.run(['git', 'status', '--porcelain'], cwd=args.source,
                           capture_output=True, text=True).stdout.strip()
    meta = dict(command='python tools/quality/mutation_test.py ' + ' '.join(groups),
                mutmut=mutmut_version, python=sys.version.split()[0],
                max_children=args.max_children, source=args.source,
                git=f'HEAD {git}' + (' + uncommitted changes' if dirty else ''),
                wall_s=round(wall, 1))
    with open(osp.join(args.out, 'mutation_results.json'), 'w') as f:
        json.dump(dict(meta, results=results), f, indent=1, ensure_ascii=False)
    with open(osp.join(args.out, 'mutation_results.md'), 'w') as f:
        f.write(markdown(results, meta))
    return meta


if __name__ == '__main__':
    sys.exit(main())
