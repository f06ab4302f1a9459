# Copyright (c) synthssl contributors.
"""Environment set-up shared by the tools, the tests and ``import synthssl``."""
import datetime
import warnings

from mmengine import DefaultScope


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
