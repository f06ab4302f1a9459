# Copyright (c) synthssl contributors.
"""Refuse a checkpoint that would leave a model's parameters at their random initial values."""
import re
from typing import Dict, List, Sequence, Tuple

from mmengine.hooks import Hook
from mmengine.model import BaseTTAModel, is_model_wrapper

from synthssl.registry import HOOKS


def checkpoint_coverage(model_state: Dict[str, Tuple[int, ...]], ckpt_state: Dict,
                        revise_keys: Sequence[Tuple[str, str]] = ((r'^module\.', ''), )
                        ) -> Tuple[List[str], List[str]]:
    """Which of a model's parameters a checkpoint's state dict does not provide.

    Args:
        model_state (dict): parameter name -> shape, of the model to load into.
        ckpt_state (dict): the checkpoint's ``state_dict`` (or the checkpoint itself).
        revise_keys: the regex renames mmengine's loader applies to checkpoint keys.

    Returns:
        tuple[list[str], list[str]]: the missing names and the names whose shape differs.
    """
    revised = {}
    for key, value in ckpt_state.items():
        for pattern, repl in revise_keys:
            key = re.sub(pattern, repl, key)
        revised[key] = value
    missing = [k for k in model_state if k not in revised]
    mismatched = [k for k in model_state
                  if k in revised and tuple(getattr(revised[k], 'shape', ())) != model_state[k]]
    return missing, mismatched


@HOOKS.register_module()
class CheckpointCoverageHook(Hook):
    """Fail when a loaded checkpoint does not initialise every parameter of the model.

    mmengine loads ``load_from`` with ``strict=False`` and only logs missing keys, so a test
    run of the wrong checkpoint (another model, a backbone-only export, a mistyped prefix)
    evaluates random weights and prints metrics as if nothing were wrong. ``tools/test.py``
    adds this hook; ``--allow-partial-load`` turns the error into a warning.

    Args:
        checkpoint (str): the file's name, for the message. Defaults to ''.
        allow_partial (bool): warn instead of raising. Defaults to False.
    """

    priority = 'VERY_HIGH'

    def __init__(self, checkpoint: str = '', allow_partial: bool = False) -> None:
        self.checkpoint = checkpoint
        self.allow_partial = allow_partial

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if isinstance(model, BaseTTAModel):  # as mmengine's loader: the wrapped model's keys
            model = model.module
        params = {k: tuple(v.shape) for k, v in model.named_parameters()}
        state = checkpoint.get('state_dict', checkpoint)
        missing, mismatched = checkpoint_coverage(params, state)
        if not missing and not mismatched:
            return
        loaded = len(params) - len(missing) - len(mismatched)
        msg = (f'checkpoint {self.checkpoint or "(load_from)"}: initialises {loaded} of the model\'s '
               f'{len(params)} parameter tensors; missing {len(missing)} (e.g. '
               f'{", ".join(missing[:3]) or "-"}), shape mismatch {len(mismatched)} (e.g. '
               f'{", ".join(mismatched[:3]) or "-"}). The rest would stay randomly '
               'initialised. Is it the checkpoint of this config? Pass --allow-partial-load '
               'to evaluate a partial load deliberately.')
        if not self.allow_partial:
            raise RuntimeError(msg)
        runner.logger.warning(msg)
