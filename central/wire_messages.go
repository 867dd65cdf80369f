package central

// PathMessages: GET ?after=ID&limit=N → app.MessagePage (counter token).
// The office's messages to families, in the order they were sent, after
// the message id given (none: from the oldest of the last
// server.FamilyMessagesDays days), at most limit (default and maximum
// MaxMessagesPage) a page. A counter keeps them, so that a family it has
// never shown online still sees its messages while the server is
// unreachable. When each family read them comes only in the family view.
const PathMessages = "/v1/messages"

// MaxMessagesPage bounds a page of messages.
const MaxMessagesPage = 500
