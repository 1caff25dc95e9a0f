"""video_split_by_duration_mapper: cut each video into clips of a fixed duration."""

from __future__ import annotations

import os
from typing import Literal

import numpy as np
from pydantic import Field, field_validator, model_validator

from recipe_copilot.engine.ops.base import Mapper, OpParams
from recipe_copilot.engine.ops.common.media import produced_path
from recipe_copilot.engine.ops.common.video import cut_clip, probe_video
from recipe_copilot.engine.sample import SOURCE_FILE, SampleBatch


class VideoSplitByDurationMapper(Mapper):
    """Cut the videos of each sample into clips of split_duration seconds (new mp4 files).

    Clips start every ``split_duration - overlap_duration`` seconds; the last one runs to the
    end and is dropped if shorter than min_last_split_duration; a video no longer than
    split_duration is kept as it is. Packets are copied, not re-encoded (as ``ffmpeg -c
    copy``): a clip starts at the keyframe at or before its start. Each sample yields one
    new sample holding all its clips (after the original, which stays when
    keep_original_sample is set; a sample without videos yields none). With
    legacy_split_by_text_token only the videos named by ``<__dj__video>`` tokens are cut,
    and each token becomes one token per clip; otherwise every video is cut and the new
    text is empty. Clips are written as ``<name>__dj_hash_#<hash>#_<k>.mp4`` under save_dir,
    else ``__dj__produced_data__/video_split_by_duration_mapper/`` beside the video;
    ``__dj__source_file__`` lists each clip's source video.

    Example:
        ``- video_split_by_duration_mapper: {split_duration: 2}`` on a 5 s ``a.mp4`` with text
        ``"<__dj__video> hi"`` adds a sample with 3 clips (2, 2 and 1 s) and text
        ``"<__dj__video><__dj__video><__dj__video> hi<|__dj__eoc|>"``.
    """

    class Params(OpParams):
        split_duration: float = Field(10, gt=0, description="Duration of each clip in seconds.")
        overlap_duration: float = Field(0, ge=0, description="Overlap between consecutive clips in seconds.")
        min_last_split_duration: float = Field(0, description="Drop the last clip if shorter (seconds).")
        keep_original_sample: bool = Field(True, description="Keep the original sample before the new one.")
        save_dir: str | None = Field(None, description="Folder for the clips (default: beside the video).")
        video_backend: Literal["ffmpeg", "av"] = Field(
            "ffmpeg", description="Duration as ffprobe reports it (ffmpeg) or PyAV's exact one (av)."
        )
        ffmpeg_extra_args: str = Field("", description="Not supported (no ffmpeg binary): must stay empty.")
        output_format: Literal["path", "bytes"] = Field("path", description="Store clip paths or clip bytes.")
        save_field: str | None = Field(None, description="Field for the clips (default: the video field).")
        legacy_split_by_text_token: bool = Field(True, description="Cut only videos named by tokens in the text.")

        @field_validator("output_format", mode="before")
        @classmethod
        def _lower(cls, value: object) -> object:
            return value.lower() if isinstance(value, str) else value

        @field_validator("ffmpeg_extra_args")
        @classmethod
        def _no_extra_args(cls, value: str) -> str:
            if value.strip():
                msg = "extra ffmpeg arguments cannot be honoured here (clips are cut with PyAV); remove them"
                raise ValueError(msg)
            return value

        @model_validator(mode="after")
        def _overlap_below_split(self) -> VideoSplitByDurationMapper.Params:
            if self.overlap_duration >= self.split_duration:
                msg = f"overlap_duration ({self.overlap_duration}) must be less than split_duration"
                raise ValueError(msg)
            return self

    cost = 20.0

    def setup(self) -> None:
        self.signature = self.params.model_dump(exclude={"save_dir"})

    def _split(self, path: str) -> list[str]:
        p = self.params
        info = probe_video(path)
        duration = info.stream_duration if p.video_backend == "av" and info.stream_duration else info.duration
        if duration <= p.split_duration:
            return [path]
        base = produced_path(path, self.name, p.save_dir, self.signature)
        stem, ext = os.path.splitext(base)
        clips: list[str] = []
        for start in np.arange(0, duration, p.split_duration - p.overlap_duration).tolist():
            end = start + p.split_duration
            last = end >= duration
            if last and duration - start < p.min_last_split_duration:
                break
            target = f"{stem}_{len(clips)}{ext}"
            if cut_clip(path, target, start, None if last else end):
                clips.append(target)
            if last:
                break
        return clips

    def _split_sample(self, text: str, videos: list) -> tuple[str, list, list]:
        """The new sample's text, clips and each clip's source video."""
        p = self.params
        for v in videos:
            probe_video(v)  # like Data-Juicer, every video of the sample must open
        clips: list[str] = []
        sources: list[str] = []
        if not p.legacy_split_by_text_token:
            for v in videos:
                new = self._split(v)
                clips += new
                sources += [v] * len(new)
            return "", clips, sources
        tok, eoc = p.video_special_token, p.eoc_special_token
        out, offset = [], 0
        for chunk in text.split(eoc):
            if not chunk.strip():
                continue
            holders = []
            for idx in range(offset, offset + chunk.count(tok)):
                if idx >= len(videos):
                    msg = f"the text has more {tok} tokens than the sample has videos ({len(videos)})"
                    raise ValueError(msg)
                new = self._split(videos[idx])
                clips += new
                sources += [videos[idx]] * len(new)
                holders.append(tok * len(new))
            parts = chunk.split(tok)
            out.append(parts[0] + "".join(h + rest for h, rest in zip(holders, parts[1:], strict=True)) + eoc)
            offset += len(holders)
        return "".join(out), clips, sources

    def process_batch(self, batch: SampleBatch) -> SampleBatch:
        p = self.params
        field = p.save_field or p.video_key
        texts, videos = batch.column(self.text_key), batch.column(p.video_key)
        fields, sources = batch.column(field), batch.column(SOURCE_FILE)
        take: list[int] = []
        text_out, field_out, source_out = [], [], []
        for i, vids in enumerate(videos):
            if not vids:
                if p.keep_original_sample:  # Data-Juicer resets the source to [] here
                    take.append(i)
                    text_out.append(texts[i])
                    field_out.append(fields[i])
                    source_out.append([])
                continue
            if p.keep_original_sample:
                take.append(i)
                text_out.append(texts[i])
                field_out.append(fields[i])
                source_out.append(sources[i] or list(vids))
            text, clips, clip_sources = self._split_sample(texts[i], list(vids))
            take.append(i)
            text_out.append(text)
            field_out.append(_read_all(clips) if p.output_format == "bytes" else clips)
            source_out.append(clip_sources)
        out = batch.take(take)
        out.set_column(self.text_key, text_out)
        if batch.has_column(field) or any(v is not None for v in field_out):
            out.set_column(field, field_out)
        out.set_column(SOURCE_FILE, source_out)
        return out


def _read_all(paths: list[str]) -> list[bytes]:
    out = []
    for path in paths:
        with open(path, "rb") as fh:
            out.append(fh.read())
    return out
