"""What learners read when a stage fails: what is wrong and how to fix it, in English and 繁體中文.

Every failure a check raises is a :class:`StageFailure` built from one entry of ``HINTS``; the
message says what was found (for the learner and the author alike), the hint says what to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Hint:
    en: str
    zh_tw: str

    def render(self, **fields: Any) -> dict[str, str]:
        return {"en": self.en.format(**fields), "zh-TW": self.zh_tw.format(**fields)}


HINTS: dict[str, Hint] = {
    # libomp_present / xgboost_importable
    "openmp_not_loaded": Hint(
        "xgboost runs without an OpenMP runtime in this process. Install it: {fix}",
        "xgboost 在此程序中沒有載入 OpenMP 執行環境。請安裝：{fix}"),
    "openmp_single_thread": Hint(
        "The OpenMP runtime ({library}) is loaded but training used one thread only. Unset "
        "OMP_NUM_THREADS / OMP_THREAD_LIMIT or set them to 2 or more, then run again.",
        "OpenMP 執行環境（{library}）已載入，但訓練只用了一個執行緒。請取消 OMP_NUM_THREADS / "
        "OMP_THREAD_LIMIT 的設定或設為 2 以上，再重新執行。"),
    "xgboost_import_failed": Hint(
        "xgboost cannot be imported by {python}. Install it in that interpreter: `{python} -m pip "
        "install xgboost`; on macOS also `brew install libomp`.",
        "{python} 無法匯入 xgboost。請在該直譯器中安裝：`{python} -m pip install xgboost`；"
        "macOS 另需執行 `brew install libomp`。"),
    "xgboost_train_failed": Hint(
        "xgboost imports but cannot train a tiny model. Reinstall it: `pip install --force-reinstall "
        "xgboost`.",
        "xgboost 可以匯入，但無法訓練一個小模型。請重新安裝：`pip install --force-reinstall xgboost`。"),
    # sagemaker_sdk_compatible
    "sdk_missing": Hint(
        "The SageMaker Python SDK is not installed in {python}. Install the one the lab is written for: "
        "`{python} -m pip install '{requirement}'`.",
        "{python} 沒有安裝 SageMaker Python SDK。請安裝本 Lab 使用的版本：`{python} -m pip install '{requirement}'`。"),
    "sdk_incompatible": Hint(
        "The lab's code is written for SageMaker Python SDK {written_for}, but SDK {installed} is installed, "
        "which has no {names}. Either install SDK {written_for}: `pip install '{requirement}'`, or use the "
        "SDK {major} version of the lab ({alternative}).",
        "本 Lab 的程式是為 SageMaker Python SDK {written_for} 撰寫的，但目前安裝的是 SDK {installed}，"
        "其中沒有 {names}。請安裝 SDK {written_for}：`pip install '{requirement}'`，或改用本 Lab 的 "
        "SDK {major} 版本（{alternative}）。"),
    "sdk_name_missing": Hint(
        "SageMaker Python SDK {installed} has no {names}. Check the spelling against the lab's code.",
        "SageMaker Python SDK {installed} 沒有 {names}。請對照本 Lab 的程式檢查拼字。"),
    "sdk_unused": Hint(
        "The code never creates a training job: it uses neither the SageMaker SDK (Estimator, ModelTrainer) "
        "nor boto3.client('sagemaker'). Fill in the cells that build the estimator and call fit.",
        "程式從未建立訓練工作：既沒有使用 SageMaker SDK（Estimator、ModelTrainer），也沒有使用 "
        "boto3.client('sagemaker')。請完成建立估計器並呼叫 fit 的儲存格。"),
    "xgboost_not_imported": Hint(
        "Run the lab's step that verifies the install: `import xgboost as xgb` then `print(xgb.__version__)`.",
        "請執行本 Lab 驗證安裝的步驟：`import xgboost as xgb`，再 `print(xgb.__version__)`。"),
    "location_unset": Hint(
        "Set {name} (the lab's bucket and prefix: prefix = 'lab41_local') before you check the files in S3.",
        "請在檢查 S3 文件之前設定 {name}（本 Lab 的儲存桶與前綴：prefix = 'lab41_local'）。"),
    # s3_objects_reachable
    "s3_object_missing": Hint(
        "s3://{bucket}/{key} does not exist (404). Upload {name} to that key, or fix the bucket name "
        "and the prefix ('{prefix}') in your code.",
        "s3://{bucket}/{key} 不存在（404）。請將 {name} 上傳到該位置，或修正程式中的儲存桶名稱與"
        "前綴（'{prefix}'）。"),
    "s3_access_denied": Hint(
        "s3://{bucket}/{key} exists but cannot be read (403). Give your role s3:GetObject and "
        "s3:ListBucket on the bucket {bucket}.",
        "s3://{bucket}/{key} 存在但無法讀取（403）。請為角色加上對儲存桶 {bucket} 的 s3:GetObject "
        "與 s3:ListBucket 權限。"),
    "s3_bucket_missing": Hint(
        "The bucket {bucket} does not exist. Create it, or set bucket_name to the bucket of the earlier "
        "labs.",
        "儲存桶 {bucket} 不存在。請建立它，或將 bucket_name 設為前面 Lab 使用的儲存桶。"),
    "s3_object_empty": Hint(
        "s3://{bucket}/{key} is empty. Upload the data file again.",
        "s3://{bucket}/{key} 是空的。請重新上傳資料檔。"),
    # estimator_config_valid / fit_completes
    "job_missing": Hint(
        "No training job named {prefix}<timestamp> was found. Run the cell that trains the model (its fit).",
        "找不到名為 {prefix}<時間戳記> 的訓練工作。請執行訓練模型（呼叫 fit）的儲存格。"),
    "job_missing_after_error": Hint(
        "Cell {cell} stopped the notebook ({error}), so the cells after it, the one that trains included, "
        "never ran. Fix cell {cell} first, then run the notebook from the top.",
        "第 {cell} 個儲存格讓筆記本停止（{error}），之後的儲存格（包括訓練的那一格）都沒有執行。"
        "請先修正第 {cell} 個儲存格，再從頭執行筆記本。"),
    "estimator_not_fitted": Hint(
        "The estimator {estimator} is built, but its {call} never ran, so no training job exists. Run the cell "
        "that calls {estimator}.{call}(...) (the lab's job name and channels), then check the job finishes.",
        "已建立 estimator {estimator}，但從未執行它的 {call}，因此沒有訓練工作。請執行呼叫 {estimator}.{call}(...) "
        "的儲存格（使用本 Lab 的工作名稱與資料通道），再確認訓練工作完成。"),
    "job_name_pattern": Hint(
        "The job is named {name}, which does not match the lab's naming ({pattern}). Name it as the lab's "
        "instructions say.",
        "訓練工作名稱是 {name}，不符合本 Lab 的命名規則（{pattern}）。請依本 Lab 的說明命名。"),
    "image_wrong": Hint(
        "The training image is {image}. Use retrieve('xgboost', region, '{version}') (the built-in "
        "XGBoost container {version} in {region}).",
        "訓練映像是 {image}。請使用 retrieve('xgboost', region, '{version}')（{region} 的內建 XGBoost "
        "容器 {version}）。"),
    "hyperparameter_invalid": Hint(
        "The XGBoost {version} container rejects the hyperparameters: {error}. {advice}",
        "XGBoost {version} 容器拒絕這組超參數：{error}。{advice_zh}"),
    "hyperparameter_mismatch": Hint(
        "Hyperparameter {name} is {actual}; the lab sets it to {expected}.",
        "超參數 {name} 是 {actual}；本 Lab 要求設為 {expected}。"),
    "hyperparameter_missing": Hint(
        "Hyperparameter {name} is not set; the lab sets it to {expected}. Add \"{name}\": \"{expected}\" "
        "to hyperparams.",
        "未設定超參數 {name}；本 Lab 要求設為 {expected}。請在 hyperparams 中加入 \"{name}\": \"{expected}\"。"),
    "instance_type_wrong": Hint(
        "The job runs on {actual} x{count}; the lab uses instance_type='{expected}', instance_count=1.",
        "訓練工作使用 {actual} x{count}；本 Lab 使用 instance_type='{expected}'、instance_count=1。"),
    "output_path_wrong": Hint(
        "The output path is {actual}; set output_path=f's3://{{bucket_name}}/{{prefix}}/output/' "
        "({expected}).",
        "輸出路徑是 {actual}；請設定 output_path=f's3://{{bucket_name}}/{{prefix}}/output/'（{expected}）。"),
    "channel_missing": Hint(
        "The job has no '{name}' channel. Pass data_channels = {{'train': ..., 'validation': ...}} to fit.",
        "訓練工作沒有 '{name}' 管道。請將 data_channels = {{'train': ..., 'validation': ...}} 傳給 fit。"),
    "channel_extra": Hint(
        "The job has a channel '{name}' the lab does not use; the XGBoost container accepts only train, "
        "validation and code. Rename it ('validate' -> 'validation').",
        "訓練工作有本 Lab 未使用的管道 '{name}'；XGBoost 容器只接受 train、validation 與 code。"
        "請更名（'validate' -> 'validation'）。"),
    "channel_content_type": Hint(
        "Channel '{name}' has content type {actual}; the data is CSV: TrainingInput(..., "
        "content_type='{expected}').",
        "管道 '{name}' 的內容類型是 {actual}；資料是 CSV：TrainingInput(..., content_type='{expected}')。"),
    "channel_uri": Hint(
        "Channel '{name}' reads {actual}; it should read {expected}.",
        "管道 '{name}' 讀取 {actual}；應讀取 {expected}。"),
    "job_failed": Hint(
        "The training job {name} failed: {reason}. Fix the cause, then run fit again with a new job name.",
        "訓練工作 {name} 失敗：{reason}。請修正原因後，以新的工作名稱重新執行 fit。"),
    "job_not_finished": Hint(
        "The training job {name} is {status}, not Completed. Wait for it (fit waits by default) or run fit "
        "again.",
        "訓練工作 {name} 的狀態是 {status}，不是 Completed。請等待完成（fit 預設會等待）或重新執行 fit。"),
    # model_artifact_present
    "artifact_missing": Hint(
        "{uri} does not exist. The model is written there only when the job completes; check fit_completes.",
        "{uri} 不存在。只有訓練工作完成時模型才會寫到該處；請先檢查 fit_completes。"),
    "artifact_not_tar": Hint(
        "{uri} is not a gzip-compressed tar file ({error}). Do not overwrite the job's output.",
        "{uri} 不是 gzip 壓縮的 tar 檔（{error}）。請勿覆寫訓練工作的輸出。"),
    "artifact_no_model": Hint(
        "{uri} holds {members} but no xgboost-model.",
        "{uri} 內含 {members}，但沒有 xgboost-model。"),
    "artifact_unloadable": Hint(
        "xgboost-model in {uri} cannot be loaded: {error}.",
        "{uri} 中的 xgboost-model 無法載入：{error}。"),
    "artifact_tree_count": Hint(
        "The model has {actual} boosting rounds; num_round is {expected}. Set \"num_round\": "
        "\"{expected}\".",
        "模型有 {actual} 輪提升；num_round 是 {expected}。請設定 \"num_round\": \"{expected}\"。"),
    "check_failed": Hint(
        "{error}. Compare your code with the lab's instructions for this step.",
        "{error}。請對照本 Lab 此步驟的說明檢查你的程式。"),
    # the run itself
    "submission_error": Hint(
        "{error}. Fix that cell and run the notebook again from the top.",
        "{error}。請修正該儲存格，並從頭重新執行筆記本。"),
    "unexpected": Hint(
        "The check itself failed: {error}. Report this to the course staff.",
        "檢查本身發生錯誤：{error}。請回報給課程人員。"),
}

# Why the container rejected a hyperparameter, said the way a learner can act on it.
HYPERPARAMETER_ADVICE: dict[str, tuple[str, str]] = {
    "silent": ("Remove \"silent\": it was removed in XGBoost 1.0; use \"verbosity\" (0-3) instead.",
               "請移除 \"silent\"：它在 XGBoost 1.0 已被移除；請改用 \"verbosity\"（0-3）。"),
}
DEFAULT_ADVICE = ("Fix or remove that hyperparameter.", "請修正或移除該超參數。")


class StageFailure(AssertionError):
    """A stage's verdict: ``message`` says what is wrong, ``hint`` how to fix it, in both languages."""

    def __init__(self, hint_id: str, message: str, /, hints: dict[str, Hint] | None = None,
                 **fields: Any) -> None:
        self.key = hint_id
        self.message = message
        self.hint = ((hints or {}).get(hint_id) or HINTS[hint_id]).render(**fields)
        super().__init__(f"{message}\n  hint: {self.hint['en']}\n  提示: {self.hint['zh-TW']}")

    def __reduce__(self):  # survive pickling between xdist workers
        return (_rebuild_failure, (self.key, self.message, self.hint))


def _rebuild_failure(key: str, message: str, hint: dict[str, str]) -> StageFailure:
    failure = StageFailure.__new__(StageFailure)
    failure.key, failure.message, failure.hint = key, message, hint
    AssertionError.__init__(failure, f"{message}\n  hint: {hint['en']}\n  提示: {hint['zh-TW']}")
    return failure


def combined(failures: list[StageFailure]) -> StageFailure:
    """One verdict for several differences found at once: each message and each hint, in order."""
    if len(failures) == 1:
        return failures[0]
    message = "; ".join(failure.message for failure in failures)
    hint = {language: "\n".join(f"{number}. {failure.hint[language]}" for number, failure in enumerate(failures, 1))
            for language in ("en", "zh-TW")}
    return _rebuild_failure(failures[0].key, f"{len(failures)} differences: {message}", hint)


def reworded(failure: StageFailure, message: str) -> StageFailure:
    """``failure`` with another message (its hint kept): a verdict put in context."""
    return _rebuild_failure(failure.key, message, failure.hint)


def fail(hint_id: str, message: str, /, **fields: Any) -> StageFailure:
    return StageFailure(hint_id, message, **fields)
