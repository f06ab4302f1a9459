# Copyright (c) synthssl contributors.
"""Environment set-up shared by the tools, the tests and ``import synthssl``."""
import datetime
import os
import warnings

from mmengine import DefaultScope

#: torch >= 2.6 loads with ``weights_only=True`` unless told otherwise, while mmengine 0.10.7
#: calls ``torch.load`` without the argument on runner checkpoints (they pickle mmengine's
#: ``HistoryBuffer`` and numpy objects in ``message_hub``): ``--resume``, ``load_from`` and
#: ``init_cfg=dict(type='Pretrained')`` then fail with an ``UnpicklingError``. mmengine's
#: main branch (#1670) passes ``weights_only=False`` for these calls; this variable makes
#: torch do the same for every call site that passes nothing, and only for those.
WEIGHTS_ONLY_ENV = 'TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD'


def enable_runner_checkpoint_loading() -> bool:
    """Let mmengine 0.10.7 load its own full checkpoints under torch >= 2.6.

    Sets ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1`` unless the user already set the variable
    (``=0`` keeps torch's default and is respected). Call sites that pass
    ``weights_only`` explicitly are not affected.

    Returns:
        bool: whether full (pickle) loading is enabled afterwards.
    """
    os.environ.setdefault(WEIGHTS_ONLY_ENV, '1')
    return os.environ[WEIGHTS_ONLY_ENV] not in ('0', '', 'false', 'False')


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every synthssl module so that it is registered, as in the upstream repos.

    Args:
        init_default_scope (bool): set the default scope to ``'synthssl'`` (a new, uniquely
            named ``DefaultScope`` instance if another scope is current). Defaults to True.
    """
    import synthssl.datasets  # noqa: F401,F403
    import synthssl.engine  # noqa: F401,F403
    import synthssl.evaluation  # noqa: F401,F403
    import synthssl.models  # noqa: F401,F403

    enable_runner_checkpoint_loading()
    if not init_default_scope:
        return
    never_created = DefaultScope.get_current_instance() is None \
        or not DefaultScope.check_instance_created('synthssl')
    if never_created:
        DefaultScope.get_instance('synthssl', scope_name='synthssl')
        return
    current_scope = DefaultScope.get_current_instance()
    if current_scope.scope_name != 'synthssl':
        warnings.warn('The current default scope '
                      f'"{current_scope.scope_name}" is not "synthssl", '
                      '`register_all_modules` will force the current '
                      'default scope to be "synthssl". If this is not '
                      'expected, please set `init_default_scope=False`.')
        new_instance_name = f'synthssl-{datetime.datetime.now()}'
        DefaultScope.get_instance(new_instance_name, scope_name='synthssl')
