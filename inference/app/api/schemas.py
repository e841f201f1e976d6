"""Request and response bodies of the HTTP API (the contract with the gateway)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


def make_infer_request(max_inputs: int, max_input_chars: int) -> type[BaseModel]:
    """The request model, with the limits from settings baked in (pydantic models are static)."""
    text = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=max_input_chars)]

    class InferRequest(BaseModel):
        model_config = ConfigDict(extra="forbid", strict=True)

        inputs: list[text] = Field(min_length=1, max_length=max_inputs)

    return InferRequest


class Output(BaseModel):
    label: str
    score: float


class InferResponse(BaseModel):
    model_config = ConfigDict(protected_namespaces=())

    outputs: list[Output]
    model: str
    model_version: str


class Health(BaseModel):
    model_config = ConfigDict(protected_namespaces=())

    status: str
    model: str
    model_version: str
    device: str
