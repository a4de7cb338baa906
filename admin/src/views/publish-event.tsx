import { useState } from "react";
import { useMutation, type AnyVariables, type UseMutationState } from "urql";
import { PublishEventDocument, type PublishEventInput, type PublishEventMutation } from "@multiverse/sdk/documents";
import { ErrorBox } from "../errors.tsx";

/** A form's publishEvent: its JSON data field, what the API answered, and the form's own JSON problem. */
export interface Publishing {
  /** The data field's text. */
  data: string;
  setData(data: string): void;
  /** Parses the data field and publishes `input(value)`; bad JSON sends nothing. */
  publish(input: (data: unknown) => PublishEventInput): Promise<void>;
  published: UseMutationState<PublishEventMutation, AnyVariables>;
  /** The parser's message when the data field was not JSON (BAD_JSON), else null. */
  jsonError: string | null;
}

/** publishEvent for a form with a JSON data field, checked in the form before anything is sent. */
export function usePublishEvent(initialData: string): Publishing {
  const [published, send] = useMutation(PublishEventDocument);
  const [data, setData] = useState(initialData);
  const [jsonError, setJsonError] = useState<string | null>(null);
  const publish = async (input: (data: unknown) => PublishEventInput) => {
    let value: unknown;
    try {
      value = JSON.parse(data);
    } catch (error) {
      setJsonError(error instanceof Error ? error.message : String(error));
      return;
    }
    setJsonError(null);
    await send({ input: input(value) });
  };
  return { data, setData, publish, published, jsonError };
}

/** The form's "Data (JSON)" field, across the form's width, and its submit button. */
export function DataAndSubmit({ publishing, rows, submit }: { publishing: Publishing; rows: number; submit: string }) {
  return (
    <>
      <label className="wide">
        Data (JSON)
        <textarea
          name="data"
          rows={rows}
          value={publishing.data}
          onChange={(e) => publishing.setData(e.target.value)}
        />
      </label>
      <button type="submit" disabled={publishing.published.fetching}>
        {submit}
      </button>
    </>
  );
}

/** What came of a form's publish: its JSON problem, the API's error, or `verb` the event (seq). */
export function PublishOutcome({ publishing, verb }: { publishing: Publishing; verb: string }) {
  const { published, jsonError } = publishing;
  return (
    <>
      {jsonError && <ErrorBox error={{ code: "BAD_JSON", message: jsonError }} />}
      {published.error && <ErrorBox error={published.error} />}
      {published.data && !published.error && (
        <p role="status">
          {verb} <code>{published.data.publishEvent.type}</code> (seq{" "}
          {String(published.data.publishEvent.seq ?? "pending")}).
        </p>
      )}
    </>
  );
}
