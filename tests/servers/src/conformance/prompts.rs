//! The prompts (simple, with arguments, with an embedded resource, with an image, and one that
//! needs the user's input first), and argument completion for prompts and the resource
//! template.

use rmcp::RoleServer;
use rmcp::model::{
    CacheScope, CompleteRequestParams, CompleteResult, CompletionInfo, ContentBlock, ErrorData,
    GetPromptRequestParams, GetPromptResponse, GetPromptResult, ListPromptsResult, Prompt,
    PromptArgument, PromptMessage, Reference, ResourceContents, Role,
};
use rmcp::service::RequestContext;
use serde_json::Value;

use super::inputs;
use super::lifecycle::{self, Outcome, Retry, Round, Step};
use super::resources::LIST_TTL_MS;
use super::state::Shared;
use super::tools::PNG_BASE64;

const SIMPLE: &str = "test_simple_prompt";
const WITH_ARGUMENTS: &str = "test_prompt_with_arguments";
const WITH_EMBEDDED_RESOURCE: &str = "test_prompt_with_embedded_resource";
const WITH_IMAGE: &str = "test_prompt_with_image";
const NEEDS_INPUT: &str = "test_input_required_result_prompt";

/// What `completion/complete` offers for the prompt arguments, filtered by the typed prefix.
const ARGUMENT_SUGGESTIONS: [&str; 5] = ["paris", "park", "party", "test", "testing"];

pub(crate) fn list() -> ListPromptsResult {
    let argument = |name: &str, description: &str| {
        PromptArgument::new(name)
            .with_description(description)
            .with_required(true)
    };
    let prompts = vec![
        Prompt::new(SIMPLE, Some("A simple prompt without arguments"), None)
            .with_title("Simple Test Prompt"),
        Prompt::new(
            WITH_ARGUMENTS,
            Some("A prompt with required arguments"),
            Some(vec![
                argument("arg1", "First test argument"),
                argument("arg2", "Second test argument"),
            ]),
        )
        .with_title("Prompt With Arguments"),
        Prompt::new(
            WITH_EMBEDDED_RESOURCE,
            Some("A prompt that includes an embedded resource"),
            Some(vec![argument(
                "resourceUri",
                "URI of the resource to embed",
            )]),
        )
        .with_title("Prompt With Embedded Resource"),
        Prompt::new(
            WITH_IMAGE,
            Some("A prompt that includes image content"),
            None,
        )
        .with_title("Prompt With Image"),
        Prompt::new(
            NEEDS_INPUT,
            Some("Asks the user (elicitation) for context before it is returned"),
            None,
        )
        .with_title("Prompt Needing Input"),
    ];
    ListPromptsResult::with_all_items(prompts)
        .with_ttl_ms(LIST_TTL_MS)
        .with_cache_scope(CacheScope::Public)
}

pub(crate) async fn get(
    shared: &Shared,
    request: GetPromptRequestParams,
    context: &RequestContext<RoleServer>,
) -> Result<GetPromptResponse, ErrorData> {
    let arguments = request.arguments.unwrap_or_default();
    let argument = |name: &str| {
        arguments
            .get(name)
            .and_then(Value::as_str)
            .ok_or_else(|| ErrorData::invalid_params(format!("missing argument `{name}`"), None))
    };
    let user = |content: ContentBlock| PromptMessage::new(Role::User, content);
    let messages = match request.name.as_str() {
        SIMPLE => vec![user(ContentBlock::text(
            "This is a simple prompt for testing.",
        ))],
        WITH_ARGUMENTS => {
            let (arg1, arg2) = (argument("arg1")?, argument("arg2")?);
            vec![user(ContentBlock::text(format!(
                "Prompt with arguments: arg1='{arg1}', arg2='{arg2}'"
            )))]
        }
        WITH_EMBEDDED_RESOURCE => vec![
            user(ContentBlock::resource(ResourceContents::text(
                "Embedded resource content for testing.",
                argument("resourceUri")?,
            ))),
            user(ContentBlock::text(
                "Please process the embedded resource above.",
            )),
        ],
        WITH_IMAGE => vec![
            user(ContentBlock::image(PNG_BASE64, "image/png")),
            user(ContentBlock::text("Please analyze the image above.")),
        ],
        NEEDS_INPUT => {
            let retry = Retry {
                input_responses: request.input_responses,
                request_state: request.request_state,
            };
            let outcome = lifecycle::drive(
                &shared.seal,
                NEEDS_INPUT,
                &arguments,
                retry,
                context,
                needs_input,
            )
            .await?;
            return Ok(match outcome {
                Outcome::Done(result) => result.into(),
                Outcome::InputRequired(result) => result.into(),
            });
        }
        other => {
            return Err(ErrorData::invalid_params(
                format!("unknown prompt `{other}`"),
                None,
            ));
        }
    };
    Ok(GetPromptResult::new(messages).into())
}

/// `test_input_required_result_prompt`: the prompt is built from context the user gives.
fn needs_input(round: Round<'_>) -> Result<Step<GetPromptResult>, ErrorData> {
    let prompt = |text: String| {
        Step::Done(GetPromptResult::new(vec![PromptMessage::new_text(
            Role::User,
            text,
        )]))
    };
    Ok(match round.answers.elicited("user_context") {
        Some(answer) => match answer.string("context") {
            Some(context) => prompt(format!("Prompt with context: {context}")),
            None if answer.accepted().is_none() => prompt(format!(
                "Prompt without context (the user chose {})",
                answer.action
            )),
            None => ask_context(),
        },
        None => ask_context(),
    })
}

fn ask_context() -> Step<GetPromptResult> {
    Step::ask([(
        "user_context",
        inputs::elicit_string("What context should the prompt use?", "context"),
    )])
}

/// Suggestions for a prompt argument or the template's `id`, by prefix.
pub(crate) fn complete(request: &CompleteRequestParams) -> Result<CompleteResult, ErrorData> {
    let typed = request.argument.value.as_str();
    let candidates: Vec<String> = match &request.r#ref {
        Reference::Prompt(prompt) if prompt.name == WITH_ARGUMENTS => ARGUMENT_SUGGESTIONS
            .iter()
            .map(|value| value.to_string())
            .collect(),
        Reference::Resource(template) if template.uri == "test://template/{id}/data" => {
            (1..=20).map(|id| id.to_string()).collect()
        }
        _ => Vec::new(),
    };
    let values: Vec<String> = candidates
        .into_iter()
        .filter(|value| value.starts_with(typed))
        .collect();
    let total = u32::try_from(values.len()).unwrap_or(u32::MAX);
    let mut completion =
        CompletionInfo::new(values).map_err(|error| ErrorData::internal_error(error, None))?;
    completion.total = Some(total);
    completion.has_more = Some(false);
    Ok(CompleteResult::new(completion))
}
