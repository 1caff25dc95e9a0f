"""image_tagging_vlm_mapper: a vision-language model served behind an endpoint tags each image."""

from __future__ import annotations

from pydantic import Field, PositiveInt

from recipe_copilot.engine.ops.base import Mapper, OpParams
from recipe_copilot.engine.ops.common.llm_api import LLMOpMixin, local_model_refused
from recipe_copilot.engine.ops.common.llm_tags import SYSTEM_PROMPT, USER_TEMPLATE, image_data_url, parse_tags
from recipe_copilot.engine.ops.common.media import load_image, row_images
from recipe_copilot.engine.sample import META, SampleBatch


class ImageTaggingVLMMapper(LLMOpMixin, Mapper):
    """Tag each image of a sample with a VLM behind an OpenAI-compatible endpoint.

    Only API mode is supported: set ``is_api_model: true`` (Data-Juicer's default, false, loads
    a local vLLM model and is refused at setup). Each distinct image of a sample is sent, with
    the sample's text in ``input_template``, as a base64 data URL in the user message's content
    parts; one answer per image, read by :func:`parse_tags` (as in Data-Juicer's API mode,
    ``try_num`` only repeats a call that raised, and a failed call gives an empty answer, so an
    unusable answer gives ``[]`` without asking again). The tag lists, one per distinct image,
    go to ``__dj__meta__.<tag_field_name>``; a sample without images gets ``[[]]``, one that
    already has the field is skipped, and a missing or unreadable image quarantines the sample
    before anything is sent. The default prompts are our own wording of Data-Juicer's.

    Example:
        ``{"images": ["a.jpg"]}`` with the answer ``{"tags": ["Red Apple", "wooden-table"]}`` gets
        ``__dj__meta__ = {"image_tags": [["red-apple", "wooden-table"]]}``.
    """

    class Params(OpParams):
        api_or_hf_model: str = Field("Qwen/Qwen2.5-VL-7B-Instruct", description="Model name sent to the endpoint.")
        is_api_model: bool = Field(False, description="Use the endpoint (must be true; a local vLLM is refused).")
        tag_field_name: str = Field("image_tags", description="Meta field (__dj__meta__) the tags go to.")
        api_endpoint: str | None = Field(None, description="Endpoint path under the base URL, or a full URL.")
        response_path: str | None = Field(None, description="Dot path of the answer (choices.0.message.content).")
        system_prompt: str | None = Field(None, description="System prompt; unset: the default.")
        input_template: str | None = Field(None, description="User text template with {text}.")
        model_params: dict = Field({}, description="Client settings: base_url, api_key, timeout, max_retries, ...")
        sampling_params: dict = Field({}, description="Extra request fields, e.g. {temperature: 0.2}.")
        try_num: PositiveInt = Field(3, description="Calls per image while a call raises (see above).")

    cost = 300.0
    reads_text = False

    def setup(self) -> None:
        p = self.params
        local_model_refused(self.name, {} if p.is_api_model else {"is_api_model": False}, "is_api_model: true")
        self.make_client(p.api_or_hf_model)

    def process_batch(self, batch: SampleBatch) -> SampleBatch:
        p, field = self.params, self.params.tag_field_name
        meta = [dict(m) if isinstance(m, dict) else {} for m in batch.column(META)]
        texts = batch.column(self.text_key) if batch.has_column(self.text_key) else [""] * len(batch)
        owners, jobs = [], []  # per request: its row, and (user text, image path)
        for i, images in enumerate(row_images(batch.column(p.image_key))):
            if field not in meta[i]:
                meta[i][field] = [] if images else [[]]
                prompt = (p.input_template or USER_TEMPLATE).format(text=texts[i])
                owners += [i] * len(dict.fromkeys(images))
                jobs += [(prompt, path) for path in dict.fromkeys(images)]
        for path in dict.fromkeys(path for _, path in jobs):
            load_image(path)  # decoded as Data-Juicer does: a bad image fails its sample before any request
        step = 8 * self.client.workers  # type: ignore[union-attr]  # bounds the base64 held at once
        for start in range(0, len(jobs), step):
            convs = [[{"role": "system", "content": p.system_prompt or SYSTEM_PROMPT},
                      {"role": "user", "content": [{"type": "text", "text": prompt},
                                                   {"type": "image_url", "image_url": {"url": image_data_url(path)}}]}]
                     for prompt, path in jobs[start:start + step]]
            tags = self.client.ask_all(convs, dict(p.sampling_params), p.try_num, parse_tags)  # type: ignore[union-attr]
            for i, found in zip(owners[start:start + step], tags, strict=True):
                meta[i][field].append(found)
        batch.set_column(META, meta)
        return batch
